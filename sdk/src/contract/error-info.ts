/** A failure as it is recorded and shown: a stable code to match on, and a message for people. */
export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
}

/** JSON Schema of an ErrorInfo. */
export const errorInfoSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' } },
} as const;
