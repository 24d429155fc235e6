import { EgressLimitError } from './egress-error.js';

/**
 * Reads a response body up to `max` bytes. A declared Content-Length over the limit fails before
 * reading; a body that grows past it is cancelled mid-stream, so a huge download stops early.
 */
export async function readLimitedBody(response: Response, max: number, url: string): Promise<Buffer> {
  const tooLarge = (what: string): EgressLimitError =>
    new EgressLimitError('EGRESS_RESPONSE_TOO_LARGE', `the response to ${url} ${what}, over the limit of ${max} bytes (egress.maxResponseBytes)`, url);
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(`declares ${declared} bytes`);
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge('kept coming and was cut off');
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength) : Buffer.concat(chunks, total);
}
