// `@jobhook/sdk/testing`: run a built plugin in a real JobHook sandbox from mocha or node:test.
export { runHandler, createHarness } from './plugin-harness.js';
export type { HarnessOptions, RunOptions, PluginHarness } from './plugin-harness.js';
export { expectOutcome, expectRequest, expectLog } from './handler-run.js';
export type { HandlerRun } from './handler-run.js';
export type { Outcome } from './load-host.js';
export type { PluginLogLine, HostLogLine } from './log-sink.js';
export type { PlatformRoutes, PlatformRoute, PlatformReply, PlatformRequest, PlatformRouteRequest } from './platform-routes.js';
export { startFakePlatform, PLATFORM_API_PREFIX } from './fake-platform.js';
export type { FakePlatform } from './fake-platform.js';
export { SAMPLE_EVENT } from './sample-event.js';
export type { TestEvent } from './sample-event.js';
export { HarnessError } from './harness-error.js';
export { startFakeJobHistory } from './fake-job-history.js';
export type { FakeJobHistory, FakeHistoryRow, FakeRowSpec, FakeHistoryRequest, FakeHistoryFailure, FakeHistoryStatus, FakeHistoryResult } from './fake-job-history.js';
