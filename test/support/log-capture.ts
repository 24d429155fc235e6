// Captures the host's JSON log lines in memory, so tests can assert what an admin would read.
import { Writable } from 'node:stream';
import { createHostLogger } from '@jobhook/host';

/** One structured log line: pino's numeric level and message, and whatever fields the logger added. */
export interface LogLine extends Record<string, unknown> {
  readonly level: number;
  readonly msg: string;
}

export interface LogCapture {
  readonly lines: LogLine[];
  readonly logger: ReturnType<typeof createHostLogger>;
}

/** A host logger at `level` whose lines land in `lines`, parsed. */
export function captureLogs(level: 'debug' | 'info' = 'debug'): LogCapture {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { lines, logger: createHostLogger({ level, destination: stream }) };
}
