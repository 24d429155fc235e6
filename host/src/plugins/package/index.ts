export { ManifestSchema, MANIFEST_SCHEMA_PATH, toProblems } from './manifest-schema.js';
export { readPluginPackage } from './read-plugin-package.js';
export { normalizeGuid, sriSha256 } from '@jobhook/sdk/contract';
export type { PluginPackage } from './read-plugin-package.js';
export type { PluginManifest, ManifestHandler, HttpPermissionRule, PluginLimits } from './plugin-manifest.js';
export { DEFAULT_PACKAGE_RULES } from './package-rules.js';
export type { PackageRules } from './package-rules.js';
