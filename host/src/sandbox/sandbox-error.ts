import type { ErrorInfo } from '@jobhook/sdk/protocol';
import { JobHookError } from '../errors.js';

/** A failure inside the sandbox layer (isolate creation, runtime boot, a broken envelope). */
export class SandboxError extends JobHookError {
  override readonly name: string = 'SandboxError';
}

/** Makes an ErrorInfo from anything the host caught at the boundary. */
export function errorInfo(code: string, message: string, name = 'SandboxError'): ErrorInfo {
  return { name, code, message };
}
