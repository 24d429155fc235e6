// The one sample job-completion event of the host's tests, built on the SDK harness's sample so
// both describe "a successful first-run inventory job" the same way.
import { completeEvent } from '../../sdk/dist/testing/sample-event.js';

/** The GUID most test plugins route on. */
export const GUID_A = 'a809ce1f-1eea-4738-a38e-15708c89c981';

// Where the host's tests have always differed from the SDK's sample; tests assert these values
// (e.g. a handler's error text quoting the client machine).
const HOST_TEST_VALUES = { username: 'KEYFACTOR\\svc', clientMachine: 'orch-01.example.com', requestTimestamp: '2026-11-30T02:00:00.000Z' };

/**
 * A valid camelCase event for job type `jobTypeId`, with `overrides` spread over it as given: any
 * value, and a PascalCase name stands beside its camelCase twin (tests of validation need both).
 */
export function event(jobTypeId: string = GUID_A, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...completeEvent(HOST_TEST_VALUES, jobTypeId), ...overrides };
}
