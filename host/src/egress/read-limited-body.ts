import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable, Transform } from 'node:stream';
import { EgressLimitError } from './egress-error.js';

// The codings fetch decodes, so plugin code sees the same bytes it would have seen through fetch.
const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};
// More stacked codings than any real server sends: a response asking for more is refused.
const MAX_CODINGS = 5;

/** What a body is read against: the limit in bytes, and how to name the response in an error. */
export interface BodyLimit {
  readonly maxBytes: number;
  readonly url: string;
}

const tooLarge = (limit: BodyLimit, what: string): EgressLimitError =>
  new EgressLimitError('EGRESS_RESPONSE_TOO_LARGE', `the response to ${limit.url} ${what}, over the limit of ${limit.maxBytes} bytes (egress.maxResponseBytes)`, limit.url);

/**
 * The decoders a Content-Encoding asks for, in the order they undo it (the last coding applied is
 * undone first); none for `identity` or no header. An unknown coding is left as it is, as fetch does.
 */
function decodersFor(contentEncoding: string | undefined, limit: BodyLimit): Transform[] {
  if (!contentEncoding) return [];
  const codings = contentEncoding.toLowerCase().split(',').map((c) => c.trim()).filter((c) => c !== '' && c !== 'identity');
  if (codings.length > MAX_CODINGS) throw new EgressLimitError('EGRESS_BAD_RESPONSE', `the response to ${limit.url} declares ${codings.length} content codings; at most ${MAX_CODINGS} are decoded`, limit.url);
  if (!codings.every((c) => c in DECODERS)) return [];
  return codings.reverse().map((c) => DECODERS[c]!());
}

/**
 * Reads a response body up to `limit.maxBytes` bytes, decoded. A declared Content-Length over the
 * limit fails before reading; a body that grows past it — encoded or decoded, so a small compressed
 * body cannot expand without bound — is destroyed mid-stream, so a huge download stops early.
 */
export async function readLimitedBody(body: Readable, headers: { readonly contentLength?: string; readonly contentEncoding?: string }, limit: BodyLimit): Promise<Buffer> {
  const declared = Number(headers.contentLength);
  if (headers.contentLength !== undefined && Number.isFinite(declared) && declared > limit.maxBytes) {
    body.destroy();
    throw tooLarge(limit, `declares ${declared} bytes`);
  }
  let decoders: Transform[];
  try {
    decoders = decodersFor(headers.contentEncoding, limit);
  } catch (e) {
    body.destroy();
    throw e;
  }
  const source: Readable = decoders.reduce<Readable>((from, decoder) => {
    // A decoder's failure (a corrupt stream) surfaces where the chain is read, and the raw body stops with it.
    from.once('error', (e) => decoder.destroy(e));
    return from.pipe(decoder);
  }, body);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > limit.maxBytes) throw tooLarge(limit, 'kept coming and was cut off');
      chunks.push(chunk);
    }
  } catch (e) {
    body.destroy();
    for (const decoder of decoders) decoder.destroy();
    if (e instanceof EgressLimitError) throw e;
    if (decoders.length > 0 && !body.errored) {
      throw new EgressLimitError('EGRESS_BAD_RESPONSE', `the response to ${limit.url} is not valid ${headers.contentEncoding} (its Content-Encoding): ${(e as Error).message}`, limit.url);
    }
    throw e;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}
