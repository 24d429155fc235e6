import { expect } from 'chai';
import { readFile, rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { command, runProgram, UsageError, type Program } from '@jobhook/sdk/command-line';

function io(): { stdout: Writable; stderr: Writable; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }),
    stderr: new Writable({ write: (c, _e, cb) => ((err += String(c)), cb()) }),
    out: () => out,
    err: () => err,
  };
}

class StoreCorrupt extends Error {
  readonly code = 'STORE_CORRUPT';
}

const program: Program = {
  name: 'tool',
  version: '1.2.3',
  summary: 'A test tool.',
  commands: [
    command({
      name: 'echo',
      summary: 'prints its argument',
      args: '<word>',
      flags: { loud: { type: 'boolean', description: 'upper-case' }, 'log-level': { type: 'string', value: 'LEVEL', description: 'level' } },
      positionals: { min: 1, max: 1 },
      run: async ({ values, positionals, io: { stdout } }) => {
        stdout.write(`${values.loud ? positionals[0]!.toUpperCase() : positionals[0]}\n`);
        return 0;
      },
    }),
    command({
      name: 'crash',
      summary: 'fails unexpectedly',
      flags: { 'log-level': { type: 'string', value: 'LEVEL', description: 'level' } },
      run: async () => {
        throw new StoreCorrupt('the store is corrupt\nsecond line', { cause: new Error('disk I/O error') });
      },
    }),
    command({ name: 'picky', summary: 'refuses its input', run: async () => Promise.reject(new UsageError('--x must be positive')) }),
  ],
};

describe('command-line kit', () => {
  it('runs a command with typed flags and positionals', async () => {
    const s = io();
    expect(await runProgram(program, ['echo', '--loud', 'hi'], s)).to.equal(0);
    expect(s.out()).to.equal('HI\n');
  });

  it('checks how many positionals a command takes', async () => {
    const s = io();
    expect(await runProgram(program, ['echo'], s)).to.equal(2);
    expect(s.err()).to.contain('tool echo: missing <word>');
    expect(await runProgram(program, ['echo', 'a', 'b'], io())).to.equal(2);
  });

  it('prints a usage error from a command with a pointer to its help, exit 2', async () => {
    const s = io();
    expect(await runProgram(program, ['picky'], s)).to.equal(2);
    expect(s.err()).to.equal('tool picky: --x must be positive\n(tool picky --help shows the usage)\n');
  });

  it('reports an unexpected error in one line with its code and a file holding the stack and causes', async () => {
    const s = io();
    expect(await runProgram(program, ['crash'], s)).to.equal(1);
    const lines = s.err().trim().split('\n');
    expect(lines).to.have.length(1);
    const match = /^tool crash: STORE_CORRUPT: the store is corrupt \(details in (.+)\)$/.exec(lines[0]!);
    expect(match, lines[0]).not.to.equal(null);
    const details = await readFile(match![1]!, 'utf8');
    expect(details).to.contain('tool 1.2.3');
    expect(details).to.match(/at .*command-line\.test\.ts/);
    expect(details).to.contain('disk I/O error');
    await rm(match![1]!);
  });

  it('prints the stack too when the log level is debug', async () => {
    const s = io();
    expect(await runProgram(program, ['crash', '--log-level', 'debug'], s)).to.equal(1);
    expect(s.err()).to.match(/^tool crash: STORE_CORRUPT: the store is corrupt \(details in (.+)\)\n/);
    expect(s.err()).to.match(/\n\s+at /);
    await rm(/details in (.+)\)/.exec(s.err())![1]!);
  });

  it('answers --version and help for the program and a command', async () => {
    const v = io();
    expect(await runProgram(program, ['--version'], v)).to.equal(0);
    expect(v.out()).to.equal('1.2.3\n');
    const h = io();
    expect(await runProgram(program, ['help', 'echo'], h)).to.equal(0);
    expect(h.out()).to.match(/^usage: tool echo \[flags\] <word>\n/);
    expect(h.out()).to.contain('    --loud');
  });
});
