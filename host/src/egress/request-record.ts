import type { EgressBody } from '@jobhook/sdk/protocol';
import type { HostLogger } from '../logging/logger.js';
import type { InvocationScope } from './egress-gateway.js';
import { EgressDeniedError, type HostEgressError } from './egress-error.js';
import { loggableUrl } from './platform-url.js';

// Reused: decoding without `stream` starts afresh each call. `fatal` tells text from bytes exactly,
// and `ignoreBOM` keeps a BOM so the isolate can rebuild the bytes; its `text()` drops it as fetch does.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// How much JSON escaping grows the body, from a sample spread over it (a full scan of a large body
// costs more than the encoding): the body crosses as a JSON string inside the IPC JSON, so each byte
// JSON escapes is escaped twice, a control byte becoming 7 characters, a quote or backslash 4.
const SAMPLE_BYTES = 64 * 1024;
function escapeGrowth(bytes: Buffer): number {
  const stride = Math.max(1, Math.floor(bytes.byteLength / SAMPLE_BYTES));
  let seen = 0;
  let size = 0;
  for (let i = 0; i < bytes.byteLength; i += stride) {
    const b = bytes[i]!;
    seen++;
    size += b < 0x20 ? 7 : b === 0x22 || b === 0x5c ? 4 : 1;
  }
  return seen === 0 ? 1 : size / seen;
}

/**
 * A response body for the bridge: as text when it is valid UTF-8 (no work in the isolate), else
 * base64 — and base64 too when escaping the text would make it larger than base64 (a body of
 * control characters grows sevenfold, and parsing that holds the sandbox process's event loop).
 */
export function encodeResponseBody(bytes: Buffer): EgressBody {
  if (bytes.byteLength === 0) return { encoding: 'utf8', data: '' };
  // Quotes alone (JSON) grow a body at most 4x and typically far less: only bodies that escaping
  // would make markedly larger than base64 (control bytes) switch, and small ones never do.
  if (bytes.byteLength >= SAMPLE_BYTES && escapeGrowth(bytes) > 2.5) return { encoding: 'base64', data: bytes.toString('base64') };
  try {
    return { encoding: 'utf8', data: strictUtf8.decode(bytes) };
  } catch {
    return { encoding: 'base64', data: bytes.toString('base64') };
  }
}

/**
 * The one log line of a request: who asked, what, how it went, so an admin can tell which plugin
 * did what.
 * The URL's query values are hidden and no header value is ever written, so no credential can be.
 */
export class RequestRecord {
  private readonly started = performance.now();
  method = '?';
  url: URL | undefined;
  bytesOut = 0;
  droppedHeaders: readonly string[] = [];
  /** The platform API's origin: requests elsewhere are logged as third-party requests, with their origin. */
  platformOrigin: string | undefined;

  constructor(
    private readonly logger: HostLogger,
    private readonly scope: InvocationScope,
  ) {}

  private fields(): Record<string, unknown> {
    return {
      source: 'egress',
      handler: this.scope.handler,
      jobId: this.scope.jobId,
      invocationId: this.scope.invocationId,
      method: this.method,
      url: this.url ? loggableUrl(this.url) : undefined,
      ...(this.url && this.platformOrigin !== undefined && this.url.origin !== this.platformOrigin ? { origin: this.url.origin } : {}),
      bytesOut: this.bytesOut,
      durationMs: Math.round((performance.now() - this.started) * 1000) / 1000,
      ...(this.droppedHeaders.length > 0 ? { droppedHeaders: this.droppedHeaders } : {}),
    };
  }

  /** `platform request` or `third-party request`, by the origin first requested. */
  private kind(): string {
    return this.url && this.platformOrigin !== undefined && this.url.origin !== this.platformOrigin ? 'third-party request' : 'platform request';
  }

  succeeded(outcome: { status: number; bytesIn: number; redirects: number; withheldHeaders: readonly string[]; redactedInBody: number; reauthenticated?: boolean }): void {
    const { status, bytesIn, redirects, withheldHeaders, redactedInBody, reauthenticated } = outcome;
    this.logger.info(
      {
        ...this.fields(),
        status,
        bytesIn,
        redirects,
        ...(withheldHeaders.length > 0 ? { withheldHeaders } : {}),
        ...(redactedInBody > 0 ? { redactedInBody } : {}),
        ...(reauthenticated ? { reauthenticated } : {}),
      },
      this.kind(),
    );
  }

  failed(error: HostEgressError): void {
    // The plugin gets ky's wording with its own URL; the log shows that URL's query values hidden.
    const message = this.url ? error.message.split(this.url.href).join(loggableUrl(this.url)) : error.message;
    this.logger.warn({ ...this.fields(), code: error.code, error: message }, error instanceof EgressDeniedError ? `${this.kind()} denied` : `${this.kind()} failed`);
  }
}
