export { initPlugin, PluginInitError, PEM_INVENTORY_JOB_TYPE } from './init-plugin.js';
export type { InitOptions, InitResult } from './init-plugin.js';
