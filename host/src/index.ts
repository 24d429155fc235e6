// The host's public API for embedders and tests.
export { createHost, assertNoNodeSnapshot } from './host.js';
export type { Host, HostOptions } from './host.js';
export { resolveConfig, DEFAULT_CONFIG } from './config.js';
export type { HostConfig, HostConfigInput, PlatformAuth, PluginOverrides, EgressLimits } from './config.js';
export { JobHookError, ManifestError, PluginLoadError, EventValidationError, ConfigError } from './errors.js';
export type { ManifestProblem } from './errors.js';
export type { HandlerOutcome, Outcome } from './dispatch/handler-outcome.js';
export type { DispatchResult } from './dispatch/dispatcher.js';
export { normalizeEvent } from './dispatch/normalize-event.js';
export type { PluginStatus, PluginState, PluginErrorRecord } from './registry/plugin-state.js';
export type { PluginChange } from './registry/plugin-registry.js';
export { ManifestSchema, readPluginPackage } from './manifest/index.js';
export { createHostLogger } from './logging/logger.js';
export { PlatformEgressGateway } from './egress/platform-egress-gateway.js';
export type { PlatformEgressOptions } from './egress/platform-egress-gateway.js';
export { UnconfiguredEgressGateway } from './egress/egress-gateway.js';
export type { EgressGateway, PluginEgress, InvocationScope } from './egress/egress-gateway.js';
export { EgressError, EgressDeniedError, EgressTimeoutError, EgressLimitError, EgressConnectionError, EgressAbortedError, EgressRuleError } from './egress/egress-error.js';
