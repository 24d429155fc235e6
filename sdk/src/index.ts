// The compile-time API plugin authors import. Inside an isolate the same module is provided by the
// SDK runtime, so decorators register with the container the runtime resolves from.
import 'reflect-metadata';

export { OrchestratorJobStatusJobResult, CertStoreOperationType } from './enums.js';
export type { JobCompleteEvent, JobCompleteContext } from './context.js';
export { HttpClient } from './http-client.js';
export type { HttpRequestOptions, HttpResponse, HttpResponsePromise, HttpHeaders } from './http-client.js';
export { Logger, PluginOptions, JobContext, JobTypes } from './tokens.js';
export type { LogFields } from './tokens.js';
export { jobCompleteHandler } from './handler.js';
export type { JobCompleteHandler, HandlerClass } from './handler.js';
export { HTTPError, TimeoutError, EgressError, EgressDeniedError } from './http-errors.js';
export type { HttpErrorRequest } from './http-errors.js';
/** tsyringe's decorators, re-exported so plugins use the same container as the runtime. */
export { injectable, singleton, injectAll, delay } from 'tsyringe';
export { inject } from './di.js';
export type { Token } from './di.js';
export * from './platform/index.js';
