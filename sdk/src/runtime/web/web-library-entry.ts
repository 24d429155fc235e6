// Entry of the web library script: leaves the factory where the runtime takes it from.
import { createWebGlobals, WEB_LIBRARY_SLOT } from './web-library.js';

Object.defineProperty(globalThis, WEB_LIBRARY_SLOT, { value: createWebGlobals, configurable: true, writable: true, enumerable: false });
