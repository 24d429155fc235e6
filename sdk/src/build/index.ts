export { buildPlugin } from './build-plugin.js';
export type { PluginBuildResult } from './build-plugin.js';
export { PluginBuildError } from './build-error.js';
