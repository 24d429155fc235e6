import { injectable } from 'tsyringe';
import type { JobCompleteContext } from './context.js';

/**
 * A job-complete handler: Keyfactor's `IOrchestratorJobCompleteHandler` in TypeScript idiom.
 * `jobTypes` may be left out: the host knows the job types in force (plugin.json, or the admin's
 * list) and injects them as `JobTypes`. When present it must list the same GUIDs (checked at load).
 */
export interface JobCompleteHandler {
  /** Comma-separated job-type GUIDs the handler runs for (seed parity with `JobTypes`); optional. */
  readonly jobTypes?: string;
  /** Called after a matching job completes; returns whether the handler succeeded. */
  runHandler(context: JobCompleteContext): boolean | Promise<boolean>;
}

/** A class whose instances are handlers; its constructor parameters are resolved by DI. */
export type HandlerClass = new (...args: never[]) => JobCompleteHandler;

/** One decorated handler class, as the in-isolate runtime sees it. */
export interface HandlerRegistration {
  readonly name: string;
  readonly target: HandlerClass;
}

// Per-isolate on purpose: every plugin runs in its own isolate with its own copy of this module.
const registrations: HandlerRegistration[] = [];

/**
 * Marks a class as the handler named `name` in `plugin.json`'s `handlers[]`. Also makes the class
 * injectable, so `@injectable()` beside it is optional.
 */
export function jobCompleteHandler(name: string): <T extends HandlerClass>(target: T) => T {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError('@jobCompleteHandler(name) needs the handler name used in plugin.json');
  }
  return <T extends HandlerClass>(target: T): T => {
    injectable()(target as unknown as new (...args: unknown[]) => unknown);
    registrations.push({ name, target });
    return target;
  };
}

/** Handler classes decorated so far in this realm (used by the in-isolate runtime). */
export function handlerRegistrations(): readonly HandlerRegistration[] {
  return registrations;
}
