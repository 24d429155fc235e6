import type { EgressAbortData } from '@jobhook/sdk/protocol';

const PREFIX = '{"abort":';
const MAX_LENGTH = 128;

/**
 * The key of a cancel message (`EgressAbortData`), or null when `requestJson` is a request. Decided
 * on the first characters, so a request's (possibly large) JSON is not parsed twice.
 */
export function abortKeyOf(requestJson: string): string | null {
  if (requestJson.length > MAX_LENGTH || !requestJson.startsWith(PREFIX)) return null;
  try {
    const key = (JSON.parse(requestJson) as Partial<EgressAbortData>).abort;
    return typeof key === 'string' && key.length > 0 && key.length <= 64 ? key : null;
  } catch {
    return null;
  }
}

/** What the host answers a cancel message: an empty success (the request answers for itself). */
export const ABORT_ACKNOWLEDGED = JSON.stringify({ ok: true, value: null });
