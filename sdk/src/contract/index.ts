// The wire contract between plugins, the SDK and the host, declared once: the event, outcomes,
// plugin states, errors and problems (types and JSON Schemas), the manifest's validation and the
// rules both sides apply to a package. Host and SDK import these; neither re-declares them.
export type { JsonSchema } from './json-schema.js';
export { OrchestratorJobStatusJobResult, CertStoreOperationType, JobHistoryStatus, enumNames, enumNumbers } from './enums.js';
export { EVENT_SOURCES, WIRE_EVENT_FIELDS, jobCompletionSchema, wireEventSchema } from './event.js';
export type { EventSource, WireEvent } from './event.js';
export { OUTCOMES, SANDBOX_OUTCOMES, REPLAYABLE_OUTCOMES, outcomeEnumSchema } from './outcome.js';
export type { InvocationOutcome, Outcome, SandboxOutcome } from './outcome.js';
export { PLUGIN_STATES, pluginStateSchema } from './plugin-state.js';
export type { PluginState } from './plugin-state.js';
export { errorInfoSchema } from './error-info.js';
export type { ErrorInfo } from './error-info.js';
export { problemSchema, boundProblems } from './problem.js';
export type { Problem } from './problem.js';
export { toProblems } from './ajv-problems.js';
export { ManifestSchema, MANIFEST_SCHEMA_PATH, repeatedJobTypes, sharedManifestSchema } from './manifest-schema.js';
export { isSafeMainPath } from './main-path.js';
export { GUID_PATTERN, isGuid, normalizeGuid, guidSchema } from './guid.js';
export { INTEGRITY_PREFIX, sriSha256 } from './integrity.js';
