import { Writable } from 'node:stream';

/** One line of the host's JSON log, parsed. */
export type HostLogLine = Readonly<Record<string, unknown>>;

/** A log line the plugin wrote (Logger or console), with the host's tags taken off. */
export interface PluginLogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  /** The structured fields the plugin passed. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly handler: string | null;
}

const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Level name of a host log line. */
export function levelOf(line: HostLogLine): string {
  return typeof line.level === 'number' ? (PINO_LEVELS[line.level] ?? String(line.level)) : String(line.level);
}

/** The plugin's view of a host log line that the plugin wrote. */
export function toPluginLogLine(line: HostLogLine): PluginLogLine {
  // The host writes the plugin's fields under `data`, apart from its own tags.
  const data = line.data;
  const fields = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  const level = levelOf(line);
  return {
    level: level === 'debug' || level === 'warn' || level === 'error' ? level : 'info',
    message: String(line.msg ?? ''),
    fields,
    handler: typeof line.handler === 'string' ? line.handler : null,
  };
}

/** A stream the host logger writes to; keeps every JSON line in memory. */
export class LogSink extends Writable {
  readonly lines: HostLogLine[] = [];
  private partial = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const text = this.partial + chunk.toString('utf8');
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) {
      if (part.trim() === '') continue;
      try {
        this.lines.push(JSON.parse(part) as HostLogLine);
      } catch {
        this.lines.push({ level: 30, msg: part });
      }
    }
    done();
  }
}
