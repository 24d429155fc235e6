export { ManifestSchema, MANIFEST_SCHEMA_PATH, toProblems } from './manifest-schema.js';
export { readPluginPackage, sriSha256 } from './read-plugin-package.js';
export type { PluginPackage } from './read-plugin-package.js';
export { normalizeGuid } from './plugin-manifest.js';
export type { PluginManifest, ManifestHandler, HttpPermissionRule, PluginLimits } from './plugin-manifest.js';
export { DEFAULT_PACKAGE_RULES } from './package-rules.js';
export type { PackageRules } from './package-rules.js';
