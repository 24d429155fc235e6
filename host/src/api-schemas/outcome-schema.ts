/** Every way one handler's invocation can end (design §3.5), in the order the console shows them. */
export const OUTCOMES = ['succeeded', 'failed', 'error', 'timeout', 'crashed', 'rejected'] as const;

/** How one handler's invocation ended. */
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes an admin may want to run again after a fix (the handler ran and did not succeed). */
export const REPLAYABLE_OUTCOMES: readonly Outcome[] = ['failed', 'error', 'timeout', 'crashed'];

/** JSON Schema of an outcome value, with what each one means. */
export const outcomeEnumSchema = {
  type: 'string',
  enum: [...OUTCOMES],
  description: 'succeeded = returned true; failed = returned false; error = threw; timeout; crashed = isolate died; rejected = no capacity',
} as const;
