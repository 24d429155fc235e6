export { type Disposable, toDisposable } from './disposable.js';
export { DisposableStore } from './disposable-store.js';
export { DisposedError } from './lifecycle-error.js';
export { InFlight } from './in-flight.js';
export { Limiter, type Release } from './limiter.js';
