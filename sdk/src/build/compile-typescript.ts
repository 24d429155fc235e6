import ts from 'typescript';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PluginBuildError } from './build-error.js';
import { refusalReason } from './sandbox-imports.js';

// Options every plugin is compiled with, whatever its tsconfig says: tsyringe's constructor injection
// by type needs the metadata only tsc emits.
const FORCED: ts.CompilerOptions = {
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  target: ts.ScriptTarget.ES2022,
  noEmit: false,
  declaration: false,
  declarationMap: false,
  sourceMap: false,
  inlineSourceMap: true,
  inlineSources: true,
  importHelpers: false,
  composite: false,
  incremental: false,
  // Errors are judged below: a missing Node built-in alone is left to the bundler, which names the chain.
  noEmitOnError: false,
};

// The two settings a plugin's own tsconfig must agree on with the build. If the author's editor
// compiles with TC39 decorators or without metadata, what they see differs from what runs, and a
// hand-rolled build (esbuild, tsx, swc) would silently lose the constructor types tsyringe needs.
const DECORATOR_SETTINGS = ['experimentalDecorators', 'emitDecoratorMetadata'] as const;

/** Where a key is written in a JSON-ish file, as `file:line`, or the file alone when absent. */
function locate(file: string, key: string): string {
  const text = readFileSync(file, 'utf8');
  const at = text.search(new RegExp(`"${key}"\\s*:`));
  if (at < 0) return file;
  return `${file}:${text.slice(0, at).split('\n').length}`;
}

function checkDecoratorSettings(pluginDir: string, file: string, options: ts.CompilerOptions): void {
  const problems: string[] = [];
  for (const key of DECORATOR_SETTINGS) {
    const value = options[key];
    if (value === true) continue;
    const where = path.relative(process.cwd(), locate(file, key)) || file;
    problems.push(
      value === false
        ? `${where}: "${key}": false — JobHook plugins need it true`
        : `${where}: "${key}" is not set (directly or through "extends") — add "${key}": true to "compilerOptions"`,
    );
  }
  if (problems.length > 0) {
    throw new PluginBuildError(
      'BUILD_DECORATOR_METADATA_OFF',
      pluginDir,
      'tsconfig.json must enable decorator metadata: handlers get their services by constructor type (tsyringe), ' +
        'which only TypeScript\'s "experimentalDecorators" + "emitDecoratorMetadata" record ' +
        '(esbuild, tsx and swc alone drop them, and the plugin then fails at load with PLUGIN_NO_DECORATOR_METADATA)',
      problems,
    );
  }
}

interface PluginTsconfig {
  readonly options: ts.CompilerOptions;
  /** Files the tsconfig includes (its ambient `.d.ts` files join the program). */
  readonly fileNames: readonly string[];
}

function readTsconfig(pluginDir: string): PluginTsconfig {
  const file = path.join(pluginDir, 'tsconfig.json');
  if (!ts.sys.fileExists(file)) return { options: { strict: true, skipLibCheck: true }, fileNames: [] };
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) throw new PluginBuildError('BUILD_TSCONFIG_INVALID', pluginDir, `tsconfig.json could not be read`, [formatDiagnostic(read.error)]);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, pluginDir);
  const fatal = parsed.errors.filter((d) => d.category === ts.DiagnosticCategory.Error && d.code !== 18003 /* no inputs: src is checked later */);
  if (fatal.length > 0) throw new PluginBuildError('BUILD_TSCONFIG_INVALID', pluginDir, `tsconfig.json is invalid`, fatal.map(formatDiagnostic));
  checkDecoratorSettings(pluginDir, file, parsed.options);
  return { options: parsed.options, fileNames: parsed.fileNames };
}

/** `file:line:col: message` for one TypeScript diagnostic. */
export function formatDiagnostic(d: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (d.file && d.start !== undefined) {
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(process.cwd(), d.file.fileName)}:${line + 1}:${character + 1}: TS${d.code}: ${text}`;
  }
  return `TS${d.code}: ${text}`;
}

/** The sandbox's reason to refuse the module a "cannot find module" diagnostic names, if any. */
function sandboxReasonOf(d: ts.Diagnostic): string | null {
  if (d.code !== 2307 && d.code !== 2792) return null;
  const named = /'([^']+)'/.exec(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  return named?.[1] === undefined ? null : refusalReason(named[1]);
}

/**
 * Type-checks and compiles a plugin's sources into `outDir`; returns the emitted entry file. Imports
 * of Node built-ins that fail to type-check only because the plugin has no Node types are not
 * reported here: the bundler refuses them with their import chain.
 */
export function compileTypeScript(pluginDir: string, entry: string, outDir: string): string {
  const rootDir = path.dirname(entry);
  const tsconfig = readTsconfig(pluginDir);
  const options: ts.CompilerOptions = { ...tsconfig.options, ...FORCED, outDir, rootDir };
  const ambient = tsconfig.fileNames.filter((f) => f.endsWith('.d.ts') && !path.relative(rootDir, f).startsWith('..'));
  const program = ts.createProgram([entry, ...ambient], options);
  const preEmit = ts.getPreEmitDiagnostics(program);
  const emitted = program.emit();
  const errors = [...preEmit, ...emitted.diagnostics].filter((d) => d.category === ts.DiagnosticCategory.Error);
  const other = errors.filter((d) => sandboxReasonOf(d) === null);
  if (other.length > 0) {
    const lines = [...new Set(errors.map((d) => {
      const reason = sandboxReasonOf(d);
      return reason === null ? formatDiagnostic(d) : `${formatDiagnostic(d)} (${reason})`;
    }))];
    throw new PluginBuildError('BUILD_TYPESCRIPT_ERRORS', pluginDir, `TypeScript reported ${lines.length} error(s)`, lines);
  }
  return path.join(outDir, path.basename(entry).replace(/\.tsx?$/, '.js'));
}
