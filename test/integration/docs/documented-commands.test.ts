// Runs the shell blocks of README.md and docs/plugin-authors.md that a reader can run offline,
// against a fresh `git clone` of this repository, so a documented command that stops working fails
// a test. A block is runnable when the line before its ```sh fence is
//   <!-- test: offline [setup=NAME] [expect=/REGEX/] -->
// (`expect`: its output must match; `setup`: a step the prose around the block asks the reader to
// do first, performed by SETUPS below). Each document's blocks run in order in one bash script, so
// a `cd` carries over.
//
// What stands in for the reader's machine: the clone gets this checkout's node_modules and built
// sdk/host by symlink (a second 3-minute install buys nothing; `.ci/run` proves the install itself),
// and the README's install step builds the example plugins, which is what `npm install` does after
// installing. The guide runs in a scratch HOME whose ~/jobhook is the clone, with an empty npm cache
// and no registry (`--offline` in the block itself), and /srv/jobhook moved under the scratch folder.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFile, readdir, mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useTempDir } from '../../support/temp-dir.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

interface Block {
  readonly line: number;
  readonly script: string;
  readonly expect?: RegExp;
  readonly setup?: string;
}

/** The runnable blocks of a markdown file. */
export function runnableBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const re = /^<!-- test: offline([^>]*)-->\n```(?:sh|bash)\n([\s\S]*?)^```$/gm;
  for (let m; (m = re.exec(markdown)); ) {
    const options = m[1]!;
    const pattern = /expect=\/(.+?)\/(?=\s|$)/.exec(options)?.[1];
    blocks.push({
      line: markdown.slice(0, m.index).split('\n').length,
      script: m[2]!,
      ...(pattern ? { expect: new RegExp(pattern) } : {}),
      ...(/setup=(\S+)/.exec(options) ? { setup: /setup=(\S+)/.exec(options)![1]! } : {}),
    });
  }
  return blocks;
}

/** Steps the prose asks for before a block, as shell. */
const SETUPS: Record<string, string> = {
  // "import describe and it from node:test in each test file"
  'node-test': `for f in test/*.test.ts; do printf "import { describe, it } from 'node:test';\\n%s\\n" "$(cat "$f")" > "$f"; done`,
};

interface Result {
  readonly code: number;
  readonly output: string;
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd, env, timeout: 240_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, output: `${stdout}${stderr}` });
    });
  });
}

/** Runs `blocks` in order as one script; checks each block's exit and expected output. */
async function runBlocks(doc: string, blocks: readonly Block[], cwd: string, env: NodeJS.ProcessEnv, rewrite: (s: string) => string = (s) => s): Promise<void> {
  expect(blocks, `${doc} (as committed: the clone has what HEAD has) marks no block to run`).not.to.be.empty;
  const parts = blocks.map((b, i) => [`echo "@@block ${i}@@"`, b.setup ? SETUPS[b.setup]! : '', rewrite(b.script)].join('\n'));
  const r = await bash(`set -euo pipefail\n${parts.join('\n')}\necho "@@block end@@"`, cwd, env);
  const segments = r.output.split(/^@@block (\d+|end)@@$/m);
  const reached = segments.filter((_, i) => i % 2 === 1);
  const last = reached.at(-1);
  if (r.code !== 0 || last !== 'end') {
    const i = Number(last);
    throw new Error(`${doc}:${blocks[i]?.line ?? '?'}: the block failed (exit ${r.code}):\n${blocks[i]?.script ?? ''}\n--- output\n${segments.at(-1)}`);
  }
  blocks.forEach((b, i) => {
    const output = segments[2 * i + 2] ?? '';
    if (b.expect) expect(output, `${doc}:${b.line}: output of\n${b.script}`).to.match(b.expect);
  });
}

function readerEnv(home: string, cache: string): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _o, JOBHOOK_LOG_LEVEL: _l, JOBHOOK_LOG_FORMAT: _f, ...env } = process.env;
  return { ...env, HOME: home, npm_config_cache: cache, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', NO_COLOR: '1' };
}

describe('documented commands run as written', function () {
  this.timeout(600_000);
  const scratch = useTempDir('jobhook-docs-');
  let tmp: string;
  let clone: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    tmp = scratch.path;
    clone = path.join(tmp, 'jobhook');
    const cloned = await bash(`git clone --quiet --no-hardlinks "${REPO}" "${clone}"`, tmp, process.env);
    expect(cloned.code, cloned.output).to.equal(0);
    await symlink(path.join(REPO, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
    for (const pkg of ['sdk', 'host']) await symlink(path.join(REPO, pkg, 'dist'), path.join(clone, pkg, 'dist'), 'dir');
    const home = path.join(tmp, 'home');
    await mkdir(home);
    await symlink(clone, path.join(home, 'jobhook'), 'dir');
    const cache = path.join(tmp, 'empty-npm-cache');
    await mkdir(cache);
    env = readerEnv(home, cache);
  });

  it('marks the blocks to run in both documents', async () => {
    const readme = runnableBlocks(await readFile(path.join(REPO, 'README.md'), 'utf8'));
    const guide = runnableBlocks(await readFile(path.join(REPO, 'docs/plugin-authors.md'), 'utf8'));
    expect(readme.length).to.be.at.least(3);
    expect(guide.map((b) => b.script)).to.satisfy((scripts: string[]) => ['jobhook-sdk.js init', 'npm install --offline', 'npm test', 'npm run pack', 'tar -xzf', 'jobhook dispatch', '--test test/'].every((s) => scripts.some((x) => x.includes(s))));
    for (const b of [...readme, ...guide]) if (b.setup) expect(SETUPS, `setup ${b.setup}`).to.have.property(b.setup);
  });

  it("README.md: the quick start's commands, in a fresh clone", async () => {
    // What `npm install` does after installing: build (sdk and host are linked in already built).
    const built = await bash('npm run build:plugins', clone, env);
    expect(built.code, built.output).to.equal(0);
    expect((await readdir(path.join(clone, 'plugins/inventory-audit/dist'))).length).to.be.greaterThan(0);
    const blocks = runnableBlocks(await readFile(path.join(clone, 'README.md'), 'utf8'));
    await runBlocks('README.md', blocks, clone, env);
  });

  it('docs/plugin-authors.md: from init to a dispatch, offline, on an empty npm cache', async () => {
    const work = path.join(tmp, 'work');
    await mkdir(work);
    const srv = path.join(tmp, 'srv');
    const blocks = runnableBlocks(await readFile(path.join(clone, 'docs/plugin-authors.md'), 'utf8'));
    await runBlocks('docs/plugin-authors.md', blocks, work, env, (s) => s.replaceAll('/srv/jobhook', `${srv}/jobhook`));
  });
});
