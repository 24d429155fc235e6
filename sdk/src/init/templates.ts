// The files of a new plugin package. Kept as code (not copied files) so every value the author
// chose — id, name, job types — lands consistently in plugin.json, the handler and the test.
import { MANIFEST_SCHEMA_REF } from '../pack/manifest-schema-file.js';
import { HANDLER_NAME, handlerSource, testSource, type TemplateInput } from './template-sources.js';

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
      // The editor's and `npx tsc -p test`'s compiler; builds use the SDK's own.
      typescript: '^5.9.0',
    },
  });
}

const TSCONFIG = json({
  compilerOptions: {
    strict: true,
    target: 'ES2022',
    // WebWorker: the types of the web-standard globals the sandbox provides (fetch, URL, crypto…),
    // without the DOM's document and window, which it does not.
    lib: ['ES2022', 'WebWorker'],
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
\`InventoryJobType\`, \`ManagementJobType\`, … GUIDs; put them in plugin.json \`handlers[].jobTypes\`, or
name them (\`"AcmeStore:Inventory"\`, \`"custom:<JobTypeName>"\`) and the host resolves them at load. An admin
can replace the list per installation (\`plugins.<id>.handlers.<name>.jobTypes\`); the handler's code
does not repeat GUIDs. See the JobHook plugin author guide (docs/plugin-authors.md).
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
