/** The lifecycle of a plugin version: loading → active → draining → disposed, or failed. */
export const PLUGIN_STATES = ['loading', 'active', 'draining', 'failed', 'disposed'] as const;

/** Where one plugin version is in its lifecycle. */
export type PluginState = (typeof PLUGIN_STATES)[number];

/** JSON Schema of a plugin's state. */
export const pluginStateSchema = { type: 'string', enum: [...PLUGIN_STATES] } as const;
