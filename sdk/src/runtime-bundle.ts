import { fileURLToPath } from 'node:url';

/** Name the runtime bundle's IIFE assigns its exports to; the host scopes it inside a function. */
export const RUNTIME_GLOBAL_NAME = '__jobhookRuntime';

/** Absolute path of the bundled SDK runtime script the host evaluates in each isolate. */
export function runtimeBundlePath(): string {
  return fileURLToPath(new URL('../dist/runtime.bundle.js', import.meta.url));
}

/** Absolute path of the web library script (the web-standard globals), evaluated in an isolate on first use. */
export function webLibraryBundlePath(): string {
  return fileURLToPath(new URL('../dist/runtime-web.bundle.js', import.meta.url));
}

/** Modules the runtime provides to plugin bundles, which a plugin build must leave external. */
export const RUNTIME_PROVIDED_MODULES: readonly string[] = ['@jobhook/sdk', 'tsyringe', 'reflect-metadata'];
