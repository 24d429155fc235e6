/**
 * Where plugin.json stops being JSON, without quoting it: V8's message carries a snippet of the
 * text, and a plugin.json that is really some other file (a token, a key) must not end up in a log
 * or an API answer. Only the position survives, as line and column.
 */
export function jsonSyntaxProblem(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/end of JSON input|Unterminated/i.test(message) && !/position \d+/.test(message)) return 'plugin.json is not valid JSON: it ends before the JSON is complete';
  const at = /position (\d+)/.exec(message);
  if (!at) return 'plugin.json is not valid JSON (check it with a JSON linter)';
  const position = Math.min(Number(at[1]), text.length);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `plugin.json is not valid JSON: unexpected input at line ${line}, column ${position - lineStart + 1}`;
}
