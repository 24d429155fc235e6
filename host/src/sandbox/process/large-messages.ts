import { constants as bufferConstants } from 'node:buffer';
import { jsonStringBytes } from './json-size.js';
import type { HostMessage } from './worker-protocol.js';

/** Above this IPC JSON size a message crosses in pieces, and its parse time is excused from heartbeats. */
export const LARGE_MESSAGE_BYTES = 1024 * 1024;
const CHUNK_CHARS = 256 * 1024;
/** Node's IPC serialises a message to one string: one longer than V8's longest cannot be sent at all. */
export const MAX_IPC_JSON = bufferConstants.MAX_STRING_LENGTH - 1024;

/**
 * The IPC JSON size of the one large field a host message can carry (a bundle, a response body),
 * measured without serialising it (over `limit`, the answer is only known to be over it); other
 * messages are small.
 */
export function payloadBytes(message: HostMessage, limit: number): number {
  if (message.type === 'http-result') return jsonStringBytes(message.responseJson, limit, 2);
  if (message.type === 'load') return jsonStringBytes(message.spec.bundleCode, limit) + jsonStringBytes(message.spec.optionsJson, limit);
  return 0;
}

/** The key its pieces travel under, for the messages that can cross in pieces. */
export function pieceKey(message: HostMessage): string | null {
  return message.type === 'http-result' ? `h${message.callId}` : message.type === 'load' ? `l${message.id}` : null;
}

/**
 * A large message as the writes that carry it: its large string in `chunk` pieces, each to be its own
 * write, then the message with `chunked` and the last piece (see HostMessage for why). The worker
 * joins the pieces by `key`.
 */
export function inPieces(message: HostMessage): { readonly key: string | null; readonly writes: HostMessage[] } {
  const key = pieceKey(message);
  const text = message.type === 'http-result' ? message.responseJson : message.type === 'load' ? message.spec.bundleCode : '';
  if (key === null || text.length <= CHUNK_CHARS) return { key: null, writes: [message] };
  const writes: HostMessage[] = [];
  let at = 0;
  for (; at + CHUNK_CHARS < text.length; at += CHUNK_CHARS) writes.push({ type: 'chunk', key, data: text.slice(at, at + CHUNK_CHARS) });
  const last = text.slice(at);
  if (message.type === 'http-result') writes.push({ ...message, responseJson: last, chunked: true });
  else if (message.type === 'load') writes.push({ ...message, spec: { ...message.spec, bundleCode: last }, chunked: true });
  return { key, writes };
}
