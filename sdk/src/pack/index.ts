export { packPlugin, sriSha256 } from './pack-plugin.js';
export type { PackOptions, PackResult } from './pack-plugin.js';
export { validateManifest } from './validate-manifest.js';
export type { ManifestIssue } from './validate-manifest.js';
export { MANIFEST_SCHEMA_REF, manifestSchemaPath } from './manifest-schema-file.js';
