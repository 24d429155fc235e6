import type { ErrorInfo } from '@jobhook/sdk/protocol';
import { JobHookError } from '../errors.js';

/** A failure inside the sandbox layer (isolate creation, runtime boot, a broken envelope). */
export class SandboxError extends JobHookError {
  override readonly name: string = 'SandboxError';
  /** The error as data, the form that crosses isolates and processes. */
  toInfo(): ErrorInfo {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** An invocation passed its wall-clock deadline. */
export class SandboxTimeoutError extends SandboxError {
  override readonly name = 'SandboxTimeoutError';
}

/** Makes an ErrorInfo from anything the host caught at the boundary. */
export function errorInfo(code: string, message: string, name = 'SandboxError'): ErrorInfo {
  return { name, code, message };
}
