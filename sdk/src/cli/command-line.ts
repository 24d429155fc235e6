// The command-line layer both CLIs (`jobhook`, `jobhook-sdk`) share. Each command is one table
// entry: its flags with their help text, its positionals, its sub-commands and a `run` that imports
// the command's module only when it runs. Parsing is node's util.parseArgs in strict mode, so an
// unknown flag is an error naming it, and `--help` is a flag (a folder called --help is `-- --help`).
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect, parseArgs } from 'node:util';

/** One flag of a command: its type and how `--help` shows it. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** The value's placeholder in help (`--plugins DIR`); string flags only. */
  readonly value?: string;
  readonly description: string;
}

/** A command's flags by long name. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** What parsing `F` yields. */
export type FlagValues<F extends FlagSpecs> = {
  [K in keyof F]?: F[K]['type'] extends 'boolean' ? boolean : F[K]['multiple'] extends true ? string[] : string;
};

/** Where a command writes. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** What a command's `run` receives. */
export interface CommandInput<F extends FlagSpecs> {
  readonly values: FlagValues<F>;
  readonly positionals: string[];
  readonly io: CommandIo;
  /** The command as typed, for messages: `jobhook events list`. */
  readonly path: string;
}

/** One entry of a command table: a leaf with `run`, or a group with `commands`. */
export interface Command<F extends FlagSpecs = FlagSpecs> {
  readonly name: string;
  /** One line, shown in the parent's list. */
  readonly summary: string;
  /** Positional syntax for the usage line, e.g. `<event.json | ->`. */
  readonly args?: string;
  /** Paragraphs shown by `--help` below the usage line. */
  readonly description?: string;
  readonly flags?: F;
  /** How many positionals `run` accepts (default: none). */
  readonly positionals?: { readonly min?: number; readonly max?: number };
  readonly commands?: readonly AnyCommand[];
  /** Exit code: 0 success, 1 a failure the command reports, 2 bad input. */
  readonly run?: (input: CommandInput<F>) => Promise<number>;
}

/** A table entry whatever its flags. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = Command<any>;

/** Declares a command with its flags' types inferred (so `run` sees typed values). */
export function command<const F extends FlagSpecs = Record<never, FlagSpec>>(spec: Command<F>): Command<F> {
  return spec;
}

/** A whole CLI: its name, version and commands. */
export interface Program {
  readonly name: string;
  readonly version: string;
  readonly summary: string;
  readonly commands: readonly AnyCommand[];
  /** An environment variable that, set to debug or trace, prints unexpected errors in full. */
  readonly logLevelEnv?: string;
}

/** Bad command-line input: printed with a pointer to `--help`, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}

const HELP_FLAG: FlagSpec = { type: 'boolean', short: 'h', description: 'show this help' };

function flagLabel(name: string, spec: FlagSpec): string {
  const long = `--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
  return spec.short ? `-${spec.short}, ${long}` : `    ${long}`;
}

function columns(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.min(30, Math.max(...rows.map(([left]) => left.length)));
  return rows.map(([left, right]) => {
    const [first = '', ...more] = right.split('\n');
    const pad = ' '.repeat(width + 4);
    return [`  ${left.padEnd(width)}  ${left.length > width ? `\n${pad}` : ''}${first}`, ...more.map((l) => `${pad}${l}`)].join('\n');
  });
}

/** The `--help` text of `cmd` reached as `commandPath` (e.g. `jobhook events`). */
export function helpText(commandPath: string, cmd: Pick<Command, 'summary' | 'args' | 'description' | 'flags' | 'commands'>): string {
  const sub = cmd.commands && cmd.commands.length > 0;
  const lines = [`usage: ${commandPath}${sub ? ' <command>' : ''} [flags]${cmd.args ? ` ${cmd.args}` : ''}`, '', cmd.description ?? cmd.summary];
  if (sub) lines.push('', 'commands:', ...columns(cmd.commands!.map((c) => [c.name, c.summary] as const)));
  const flags = Object.entries({ ...(cmd.flags ?? {}), help: HELP_FLAG });
  lines.push('', 'flags:', ...columns(flags.map(([name, spec]) => [flagLabel(name, spec), spec.description] as const)));
  if (sub) lines.push('', `${commandPath} <command> --help shows one command.`);
  return `${lines.join('\n')}\n`;
}

function programHelp(program: Program): string {
  const text = helpText(program.name, { summary: program.summary, commands: program.commands, flags: { version: { type: 'boolean', description: 'print the version' } } });
  return text;
}

// parseArgs words its errors for JavaScript callers; a user wants the flag and what to do.
function usageMessage(e: { code?: string; message: string }): string {
  const flag = /'(-[^']*)'/.exec(e.message)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) return `unknown flag '${flag}' (a value starting with '-' goes after '--')`;
  return e.message;
}

function isUsageError(e: unknown): e is Error & { code?: string } {
  return e instanceof UsageError || (typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('ERR_PARSE_ARGS'));
}

/**
 * An error nobody expected: one line naming its code and a file with the details (the stack, the
 * cause chain), never a stack trace on the terminal unless the log level is debug or trace.
 */
export function reportUnexpected(program: Program, commandPath: string, e: unknown, io: CommandIo, debug: boolean): number {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? err.code : 'INTERNAL_ERROR';
  const message = (typeof err?.message === 'string' ? err.message : String(e)).split('\n')[0];
  const details = inspect(e, { depth: 6, breakLength: 120 });
  let where: string;
  try {
    const file = path.join(os.tmpdir(), `${program.name}-error-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
    writeFileSync(file, `${program.name} ${program.version} (node ${process.version}), in ${commandPath}\n$ ${program.name} ${process.argv.slice(2).join(' ')}\n\n${details}\n`, { mode: 0o600 });
    where = `details in ${file}`;
  } catch {
    where = 'run again with --log-level debug for details';
  }
  io.stderr.write(`${commandPath}: ${code}: ${message} (${where})\n`);
  if (debug) io.stderr.write(`${details}\n`);
  return 1;
}

function wantsDebug(program: Program, values: Record<string, unknown>): boolean {
  const level = values['log-level'] ?? (program.logLevelEnv ? process.env[program.logLevelEnv] : undefined);
  return level === 'debug' || level === 'trace';
}

function usage(commandPath: string, e: Error & { code?: string }, io: CommandIo): number {
  io.stderr.write(`${commandPath}: ${usageMessage(e)}\n(${commandPath} --help shows the usage)\n`);
  return 2;
}

async function runCommand(program: Program, cmd: AnyCommand, commandPath: string, argv: string[], io: CommandIo): Promise<number> {
  if (cmd.commands && !cmd.run) {
    const [name, ...rest] = argv;
    if (name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(helpText(commandPath, cmd));
      return 0;
    }
    const sub = cmd.commands.find((c) => c.name === name);
    if (!sub) {
      const problem = name === undefined ? 'which command?' : name.startsWith('-') ? `unknown flag '${name}' (give a command first)` : `unknown command '${name}'`;
      return usage(commandPath, new UsageError(problem), io);
    }
    return runCommand(program, sub, `${commandPath} ${sub.name}`, rest, io);
  }
  let parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { ...(cmd.flags ?? {}), help: HELP_FLAG }, allowPositionals: true, strict: true }) as typeof parsed;
    const { min = 0, max = 0 } = cmd.positionals ?? {};
    if (!parsed.values.help && parsed.positionals.length < min) throw new UsageError(`missing ${cmd.args ?? 'arguments'}`);
    if (!parsed.values.help && parsed.positionals.length > max) {
      throw new UsageError(max === 0 ? `takes no arguments (got '${parsed.positionals[0]}')` : `too many arguments (got '${parsed.positionals[max]}')`);
    }
  } catch (e) {
    if (isUsageError(e)) return usage(commandPath, e, io);
    throw e;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(helpText(commandPath, cmd));
    return 0;
  }
  try {
    return await cmd.run!({ values: values as FlagValues<FlagSpecs>, positionals, io, path: commandPath });
  } catch (e) {
    if (isUsageError(e)) return usage(commandPath, e, io);
    return reportUnexpected(program, commandPath, e, io, wantsDebug(program, values));
  }
}

/** Runs `argv` (without node and the script) against the program's table; answers the exit code. */
export async function runProgram(program: Program, argv: readonly string[], io: CommandIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V') {
    io.stdout.write(`${program.version}\n`);
    return 0;
  }
  if (first === undefined) {
    io.stderr.write(programHelp(program));
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const target = rest[0] === undefined ? undefined : program.commands.find((c) => c.name === rest[0]);
    io.stdout.write(target ? helpText(`${program.name} ${target.name}`, target) : programHelp(program));
    return 0;
  }
  const cmd = program.commands.find((c) => c.name === first);
  if (!cmd) return usage(program.name, new UsageError(first.startsWith('-') ? `unknown flag '${first}'` : `unknown command '${first}'`), io);
  try {
    return await runCommand(program, cmd, `${program.name} ${cmd.name}`, rest, io);
  } catch (e) {
    return reportUnexpected(program, `${program.name} ${cmd.name}`, e, io, wantsDebug(program, {}));
  }
}
