import ts from 'typescript';
import path from 'node:path';
import { PluginBuildError } from './build-error.js';

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
  noEmitOnError: true,
};

function readTsconfig(pluginDir: string): ts.CompilerOptions {
  const file = path.join(pluginDir, 'tsconfig.json');
  if (!ts.sys.fileExists(file)) return { strict: true, skipLibCheck: true };
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) throw new PluginBuildError('BUILD_TSCONFIG_INVALID', pluginDir, `tsconfig.json could not be read`, [formatDiagnostic(read.error)]);
  return ts.parseJsonConfigFileContent(read.config, ts.sys, pluginDir).options;
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

/** Type-checks and compiles a plugin's sources into `outDir`; returns the emitted entry file. */
export function compileTypeScript(pluginDir: string, entry: string, outDir: string): string {
  const rootDir = path.dirname(entry);
  const options: ts.CompilerOptions = { ...readTsconfig(pluginDir), ...FORCED, outDir, rootDir };
  const program = ts.createProgram([entry], options);
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].filter(
    (d) => d.category === ts.DiagnosticCategory.Error,
  );
  if (diagnostics.length > 0) {
    throw new PluginBuildError('BUILD_TYPESCRIPT_ERRORS', pluginDir, `TypeScript reported ${diagnostics.length} error(s)`, diagnostics.map(formatDiagnostic));
  }
  return path.join(outDir, path.basename(entry).replace(/\.tsx?$/, '.js'));
}
