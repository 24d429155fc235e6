/** One problem at one place of a document (plugin.json, an event, a request, the configuration). */
export interface Problem {
  /** JSON pointer into the document, e.g. `/handlers/0/jobTypes/1` (`''` for the whole document). */
  readonly pointer: string;
  readonly message: string;
}

/** JSON Schema of a Problem. */
export const problemSchema = {
  type: 'object',
  required: ['pointer', 'message'],
  properties: { pointer: { type: 'string', examples: ['/jobTypeId'] }, message: { type: 'string' } },
} as const;

// A hostile document can have thousands of bad entries: reports keep the first few, each clipped,
// so a log line or API answer stays small whatever the input.
const MAX_REPORTED_PROBLEMS = 20;
const MAX_PROBLEM_CHARS = 300;
const MAX_POINTER_CHARS = 200;

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** At most 20 problems, each clipped, plus one saying how many more were left out. */
export function boundProblems(problems: readonly Problem[]): Problem[] {
  const shown = problems.slice(0, MAX_REPORTED_PROBLEMS).map((p) => ({ pointer: clip(p.pointer, MAX_POINTER_CHARS), message: clip(p.message, MAX_PROBLEM_CHARS) }));
  const more = problems.length - shown.length;
  if (more > 0) shown.push({ pointer: '', message: `and ${more} more problem(s) not listed` });
  return shown;
}
