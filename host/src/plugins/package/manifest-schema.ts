// The manifest schema, its compiled validator and the ajv-error wording are part of the wire
// contract, shared with `jobhook-sdk pack`: the host checks plugin.json exactly as the SDK does.
export { ManifestSchema, MANIFEST_SCHEMA_PATH, toProblems } from '@jobhook/sdk/contract';
