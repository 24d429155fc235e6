// Captures the host's JSON log lines in memory, so tests can assert what an admin would read.
import { Writable } from 'node:stream';
import { createHostLogger } from '@jobhook/host';

export interface LogCapture {
  readonly lines: Array<Record<string, unknown>>;
  readonly logger: ReturnType<typeof createHostLogger>;
}

export function captureLogs(level: 'debug' | 'info' = 'debug'): LogCapture {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createHostLogger({ level, destination: stream }) };
}
