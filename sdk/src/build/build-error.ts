/** A plugin build failure; `diagnostics` are ready to print, one per line (`file:line:col: message`). */
export class PluginBuildError extends Error {
  override readonly name = 'PluginBuildError';
  constructor(
    readonly code: string,
    readonly pluginDir: string,
    message: string,
    readonly diagnostics: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(diagnostics.length > 0 ? `${message}\n${diagnostics.map((d) => `  ${d}`).join('\n')}` : message, options);
  }
}
