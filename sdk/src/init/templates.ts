// The files of a new plugin package. Kept as code (not copied files) so every value the author
// chose — id, name, job types — lands consistently in plugin.json, the handler and the test.
import { MANIFEST_SCHEMA_REF } from '../pack/manifest-schema-file.js';

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

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

function caret(version: string): string {
  const [major = '0', minor = '0'] = version.split('.');
  return `^${major}.${minor}.0`;
}

function pluginJson(t: TemplateInput): string {
  return json({
    $schema: MANIFEST_SCHEMA_REF,
    id: t.id,
    name: t.name,
    description: 'Logs every completed orchestrator job; on a failure it reads the job history and reports failure once the platform has retried enough.',
    version: '0.1.0',
    engine: caret(t.sdkVersion),
    main: 'dist/plugin.js',
    handlers: [{ name: HANDLER_NAME, jobTypes: t.jobTypes }],
    permissions: { http: [{ url: 'OrchestratorJobs/JobHistory', methods: ['GET'] }] },
    limits: { memoryMb: 32, timeoutMs: 10000, concurrency: 4 },
    config: { retryThreshold: 3 },
  });
}

function packageJson(t: TemplateInput): string {
  return json({
    name: t.packageName,
    version: '0.1.0',
    private: true,
    description: `${t.name} (a JobHook plugin)`,
    type: 'module',
    scripts: {
      build: 'jobhook-sdk build',
      test: 'jobhook-sdk build && mocha',
      pack: 'jobhook-sdk pack',
    },
    devDependencies: {
      '@jobhook/host': caret(t.sdkVersion),
      '@jobhook/sdk': caret(t.sdkVersion),
      '@types/mocha': '^10.0.10',
      '@types/node': '^20.19.0',
      mocha: '^11.7.0',
      tsx: '^4.20.0',
    },
  });
}

const TSCONFIG = json({
  compilerOptions: {
    strict: true,
    target: 'ES2022',
    lib: ['ES2022'],
    module: 'ES2022',
    moduleResolution: 'Bundler',
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    // No Node types: plugin code runs in a sandbox without Node APIs, and the editor should say so.
    types: [],
    skipLibCheck: true,
    noEmit: true,
  },
  include: ['src'],
});

const TEST_TSCONFIG = json({
  extends: '../tsconfig.json',
  compilerOptions: { types: ['node', 'mocha'] },
  include: ['.'],
});

const MOCHARC = json({
  // isolated-vm (the plugin sandbox) needs --no-node-snapshot on Node 20+; tsx runs the .ts tests.
  'node-option': ['no-node-snapshot', 'import=tsx'],
  extension: ['ts'],
  spec: ['test/**/*.test.ts'],
  timeout: 20000,
});

function handlerSource(t: TemplateInput): string {
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
  // Must list the same GUIDs as this handler's "jobTypes" in plugin.json (the host checks at load).
  readonly jobTypes = '${t.jobTypes.join(',')}';

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

function testSource(t: TemplateInput): string {
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

function readme(t: TemplateInput): string {
  return `# ${t.name}

A JobHook plugin: a job-complete handler for Keyfactor Command
orchestrator jobs, run in a sandbox by the JobHook host.

\`\`\`sh
npm install        # the SDK, the host (for tests), mocha and tsx
npm test           # builds dist/plugin.js and runs test/ in a real sandbox
npm run pack       # validates, builds, writes out/${t.id}/ and out/${t.id}-0.1.0.tgz
\`\`\`

Deploy: unpack next to the host's plugins folder, then move the folder in (one atomic step the host
picks up live):

\`\`\`sh
tar -xzf out/${t.id}-0.1.0.tgz -C /srv/jobhook/incoming
mv /srv/jobhook/incoming/${t.id} /srv/jobhook/plugins/
\`\`\`

Job types: \`GET /KeyfactorAPI/CertificateStoreTypes/Name/{shortName}\` lists a store type's
\`InventoryJobType\`, \`ManagementJobType\`, … GUIDs; put them in plugin.json \`handlers[].jobTypes\`
and in the handler's \`jobTypes\`. See the JobHook plugin author guide (docs/plugin-authors.md).
`;
}

/** Every file of a new plugin package, by path relative to its folder. */
export function scaffoldFiles(t: TemplateInput): ReadonlyMap<string, string> {
  return new Map([
    ['plugin.json', pluginJson(t)],
    ['package.json', packageJson(t)],
    ['tsconfig.json', TSCONFIG],
    ['.mocharc.json', MOCHARC],
    ['.gitignore', 'node_modules/\ndist/\nout/\n'],
    ['README.md', readme(t)],
    ['src/index.ts', handlerSource(t)],
    ['test/tsconfig.json', TEST_TSCONFIG],
    ['test/handler.test.ts', testSource(t)],
  ]);
}
