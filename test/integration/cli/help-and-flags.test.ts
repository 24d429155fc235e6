import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { JOBHOOK, JOBHOOK_SDK, ROOT, runCli } from '../../support/cli-runner.js';

const version = (pkg: string): string => (JSON.parse(readFileSync(path.join(ROOT, pkg, 'package.json'), 'utf8')) as { version: string }).version;

/** The command names a help text lists under "commands:". */
function listedCommands(help: string): string[] {
  const section = help.split('\ncommands:\n')[1]?.split('\n\n')[0] ?? '';
  return section
    .split('\n')
    .map((l) => /^ {2}(\S+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
}

/** Every command path of a program, found by walking its --help output (groups and leaves). */
async function commandPaths(script: string, prefix: string[] = []): Promise<Array<{ path: string[]; leaf: boolean }>> {
  const help = await runCli(script, [...prefix, '--help']);
  expect(help.code, `${prefix.join(' ')} --help: ${help.stderr}`).to.equal(0);
  const names = listedCommands(help.stdout);
  const found: Array<{ path: string[]; leaf: boolean }> = prefix.length > 0 ? [{ path: prefix, leaf: names.length === 0 }] : [];
  for (const name of names) found.push(...(await commandPaths(script, [...prefix, name])));
  return found;
}

for (const [program, script, pkg] of [
  ['jobhook', JOBHOOK, 'host'],
  ['jobhook-sdk', JOBHOOK_SDK, 'sdk'],
] as const) {
  describe(`${program}: help, version and flags`, function () {
    this.timeout(120_000);
    let commands: Array<{ path: string[]; leaf: boolean }>;
    before(async () => (commands = await commandPaths(script)));

    it('prints its package version for --version', async () => {
      const run = await runCli(script, ['--version']);
      expect([run.code, run.stdout.trim(), run.stderr]).to.deep.equal([0, version(pkg), '']);
    });

    it('answers --help for every command and sub-command on stdout with exit 0', async () => {
      expect(commands.length).to.be.greaterThan(3);
      for (const { path: words } of commands) {
        const run = await runCli(script, [...words, '--help']);
        expect(run.code, words.join(' ')).to.equal(0);
        expect(run.stdout, words.join(' ')).to.match(new RegExp(`^usage: ${program} ${words.join(' ')}[ \\n]`));
        expect(run.stdout).to.contain('-h, --help');
        expect(run.stderr).to.equal('');
      }
    });

    it('refuses an unknown flag on every command, naming it, with exit 2 and no stack trace', async () => {
      for (const { path: words } of commands.filter((c) => c.leaf)) {
        const run = await runCli(script, [...words, '--frobnicate']);
        expect(run.code, words.join(' ')).to.equal(2);
        expect(run.stderr, words.join(' ')).to.contain(`${program} ${words.join(' ')}: unknown flag '--frobnicate'`);
        expect(run.stderr).not.to.match(/\n\s+at /);
      }
    });

    it('prints the usage on stderr with exit 2 when given no command, and names an unknown one', async () => {
      const none = await runCli(script, []);
      expect(none.code).to.equal(2);
      expect(none.stderr).to.match(new RegExp(`^usage: ${program} <command>`));
      const unknown = await runCli(script, ['frobnicate']);
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.contain(`${program}: unknown command 'frobnicate'`);
    });
  });
}

describe('jobhook validate --help', function () {
  this.timeout(30_000);
  it('shows the help instead of validating a folder called --help; -- --help validates one', async () => {
    const help = await runCli(JOBHOOK, ['validate', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^usage: jobhook validate/);
    const folder = await runCli(JOBHOOK, ['validate', '--', '--help']);
    expect(folder.code).to.equal(2);
    expect(folder.stderr).to.match(/^--help: /);
  });
});
