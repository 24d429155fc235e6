// Copies plugin-manifest.schema.json from the repository root into the SDK's dist at SDK build time,
// so a published SDK carries the very schema the host validates with: plugin.json's "$schema" points
// at it (editor completion and checks) and `jobhook-sdk pack` validates against it.
import { copyFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { manifestSchemaPath } from '../pack/manifest-schema-file.js';

await copyFile(fileURLToPath(new URL('../../../plugin-manifest.schema.json', import.meta.url)), manifestSchemaPath());
