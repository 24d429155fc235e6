import { MANIFEST_SCHEMA_PATH } from '../contract/manifest-schema.js';

/** Where plugin.json's "$schema" points in an installed SDK (relative to the plugin folder). */
export const MANIFEST_SCHEMA_REF = './node_modules/@jobhook/sdk/dist/plugin-manifest.schema.json';

/** Absolute path of the manifest schema shipped in the SDK's dist (copied there at SDK build). */
export function manifestSchemaPath(): string {
  return MANIFEST_SCHEMA_PATH;
}
