// The TypeScript sources of a new plugin: a handler showing DI, options, logging and the platform
// client, and a test of it on the sandbox harness. They must stay in step (the test asserts what the
// handler does), which is why they live together.

/** What a scaffold is made from. */
export interface TemplateInput {
  readonly id: string;
  readonly name: string;
  readonly packageName: string;
  readonly jobTypes: readonly string[];
  readonly sdkVersion: string;
}

/** The handler's name in plugin.json and in `@jobCompleteHandler(...)`. */
export const HANDLER_NAME = 'AuditJob';

/** src/index.ts */
export function handlerSource(t: TemplateInput): string {
  return `import {
  HttpClient,
  inject,
  injectable,
  jobCompleteHandler,
  JobCompleteContext,
  JobCompleteHandler,
  Logger,
  OrchestratorJobStatusJobResult,
  PluginOptions,
} from '@jobhook/sdk';

/** The plugin's options: plugin.json "config", overridden by the host admin's plugins.<id>.options. */
export interface Options {
  /** Report failure only once the platform has retried the job this many times. */
  retryThreshold: number;
}

/** One entry of GET OrchestratorJobs/JobHistory (the fields this plugin reads). */
interface JobHistoryEntry {
  JobID: string;
  Result: number;
  Message?: string;
}

/** Reads a job's history from the platform API. Injected into the handler by type. */
@injectable()
export class JobHistory {
  constructor(private readonly http: HttpClient) {}

  /** The latest history message of a job, or null when the platform has none. */
  async lastMessage(jobId: string): Promise<string | null> {
    const entries = await this.http
      .get('OrchestratorJobs/JobHistory', { searchParams: { 'pq.queryString': \`JobID -eq "\${jobId}"\` } })
      .json<JobHistoryEntry[]>();
    return entries.at(-1)?.Message ?? null;
  }
}

/**
 * Logs every completed job. On a failure it reads why from the job history and, like Keyfactor's
 * e-mail sample, reports failure (false) only once the platform has retried \`retryThreshold\` times.
 */
@jobCompleteHandler('${HANDLER_NAME}')
export class ${HANDLER_NAME} implements JobCompleteHandler {
  // No jobTypes here: the handler runs for the job types in force — plugin.json's "jobTypes", or the
  // list an admin sets for this installation (plugins.<id>.handlers.AuditJob.jobTypes). Inject
  // JobTypes to read them.

  constructor(
    private readonly history: JobHistory,
    private readonly log: Logger,
    @inject(PluginOptions) private readonly options: Options,
  ) {}

  async runHandler(context: JobCompleteContext): Promise<boolean> {
    const result = OrchestratorJobStatusJobResult[context.jobResult] ?? String(context.jobResult);
    if (context.jobResult !== OrchestratorJobStatusJobResult.Failure) {
      this.log.info('job completed', { jobType: context.jobType, result, agentId: context.agentId, clientMachine: context.clientMachine });
      return true;
    }
    const message = await this.history.lastMessage(context.jobId);
    this.log.warn('job failed', { jobType: context.jobType, message, retry: context.currentRetryCount });
    return context.currentRetryCount < this.options.retryThreshold;
  }
}
`;
}

/** test/handler.test.ts */
export function testSource(t: TemplateInput): string {
  return `import assert from 'node:assert/strict';
import { expectLog, expectOutcome, expectRequest, runHandler, type PlatformRoutes } from '@jobhook/sdk/testing';

// The plugin folder. The tests run the built bundle in a real JobHook sandbox: \`npm test\` builds first.
const plugin = new URL('..', import.meta.url);

// The fake platform API the plugin's HttpClient reaches (through the host's real egress checks).
const platform: PlatformRoutes = {
  'GET OrchestratorJobs/JobHistory': {
    json: [{ JobID: '0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8', Result: 4, Message: 'Access to the certificate store was denied' }],
  },
};

describe('${HANDLER_NAME}', () => {
  it('succeeds and logs a summary when the job succeeded', async () => {
    const run = await runHandler(plugin, { jobTypeId: '${t.jobTypes[0] ?? ''}', jobResult: 'Success' });
    expectOutcome(run, 'succeeded');
    expectLog(run, 'job completed', 'info');
    assert.equal(run.requests.length, 0, run.report());
  });

  it('reads the job history and keeps succeeding while the platform still retries', async () => {
    const run = await runHandler(plugin, { jobResult: 'Failure', currentRetryCount: 0 }, { platform });
    expectOutcome(run, 'succeeded');
    const request = expectRequest(run, 'GET OrchestratorJobs/JobHistory');
    assert.equal(request.query['pq.queryString'], \`JobID -eq "\${String(run.event.jobId)}"\`, run.report());
    assert.equal(expectLog(run, 'job failed', 'warn').fields.message, 'Access to the certificate store was denied', run.report());
  });

  it('reports failure once the retries reach the threshold from its options', async () => {
    const run = await runHandler(plugin, { jobResult: 'Failure', currentRetryCount: 1 }, { platform, options: { retryThreshold: 1 } });
    expectOutcome(run, 'failed');
  });
});
`;
}
