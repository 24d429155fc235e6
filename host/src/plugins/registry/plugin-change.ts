import type { PluginErrorRecord } from './plugin-state.js';

/** What a change to a plugin folder did; `serve` logs one line per change (except `unchanged`). */
export type PluginChange =
  | { readonly kind: 'added'; readonly id: string; readonly version: string; readonly folder: string }
  | { readonly kind: 'replaced'; readonly id: string; readonly from: string; readonly to: string; readonly folder: string }
  | { readonly kind: 'unchanged'; readonly id: string; readonly version: string; readonly folder: string }
  | { readonly kind: 'removed'; readonly id: string; readonly version: string | null; readonly folder: string }
  /**
   * The folder that provided `id` is gone (or now holds another plugin) and `to`, a folder that had
   * been refused as a duplicate of `id`, takes over; `version` keeps serving until `to` is loaded.
   */
  | { readonly kind: 'moved'; readonly id: string; readonly version: string | null; readonly folder: string; readonly to: string }
  | { readonly kind: 'refused'; readonly id: string | null; readonly folder: string; readonly error: PluginErrorRecord; readonly keptVersion: string | null };
