// Entry of the web library script: hands the factory to the receiver the runtime put in the slot.
import { createWebGlobals, WEB_LIBRARY_SLOT } from './web-library.js';

(globalThis as unknown as Record<string, (factory: typeof createWebGlobals) => void>)[WEB_LIBRARY_SLOT]!(createWebGlobals);
