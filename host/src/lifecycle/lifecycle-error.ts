import { JobHookError } from '../errors.js';

/** An owner was used after it was disposed: the caller raced shutdown and must not start new work. */
export class DisposedError extends JobHookError {
  override readonly name = 'DisposedError';
  constructor(what: string) {
    super('DISPOSED', `${what} is disposed and takes no new work`);
  }
}
