import type { PlatformAuth } from '../config.js';
import { platformCredentials } from '../egress/platform-credentials.js';
import { loggableUrl, parsePlatformUrl } from '../egress/platform-url.js';
import { PollerError } from './poller-error.js';

/**
 * The headers that authenticate a request to the platform. A function (async), so that a
 * credential that must be fetched or refreshed (an OAuth token) plugs in here without the poller changing.
 */
export type PlatformAuthHeaders = () => Promise<Iterable<readonly [string, string]>>;

/** The host's platform credentials (`platform.auth`) as poller request headers. */
export function platformAuthHeaders(auth: PlatformAuth): PlatformAuthHeaders {
  // An OAuth token is fetched on first use and reused until shortly before it expires.
  const credentials = platformCredentials(auth);
  return async () => (await credentials.authorize()).headers;
}

/** What the job-history client is built from. */
export interface JobHistoryClientOptions {
  /** The platform API base URL (`platform.url`, e.g. `https://kf.example.com/KeyfactorAPI/`). */
  readonly url: string;
  readonly authHeaders: PlatformAuthHeaders;
  readonly timeoutMs: number;
}

/** Paging parameters sent under both spellings: older Command reads `pq.*`, newer accepts the plain names too. */
function pagingParams(params: Readonly<Record<string, string>>): URLSearchParams {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    search.set(`pq.${k}`, v);
    search.set(k, v);
  }
  return search;
}

/**
 * The platform API calls the poller makes, each one GET with the host's credentials, the headers
 * Keyfactor expects from API clients, and a timeout. Answers are returned as raw JSON arrays; errors
 * are PollerErrors with a code the poller reports.
 */
export class JobHistoryClient {
  private readonly base: URL;
  private readonly aborter = new AbortController();

  constructor(private readonly options: JobHistoryClientOptions) {
    this.base = parsePlatformUrl(options.url);
  }

  /** One page of job history, sorted by JobHistoryId, filtered by `query` (Command's query language). */
  historyPage(query: string, limit: number, ascending = true): Promise<unknown[]> {
    return this.getArray(
      'OrchestratorJobs/JobHistory',
      pagingParams({ queryString: query, pageReturned: '1', returnLimit: String(limit), sortField: 'JobHistoryId', sortAscending: ascending ? '0' : '1' }),
    );
  }

  /** The agents registered under a client machine name (`AgentId`, `Username`, …). */
  agents(clientMachine: string): Promise<unknown[]> {
    return this.getArray('Agents', pagingParams({ queryString: `ClientMachine -eq "${clientMachine.replace(/"/g, '\\"')}"`, returnLimit: '50' }));
  }

  /** Every certificate store type with its job-type GUIDs. */
  storeTypes(): Promise<unknown[]> {
    return this.getArray('CertificateStoreTypes', pagingParams({ returnLimit: '1000' }));
  }

  /** The custom job types (`Id`, `JobTypeName`). */
  customJobTypes(): Promise<unknown[]> {
    return this.getArray('JobTypes/Custom', pagingParams({ returnLimit: '1000' }));
  }

  /** Aborts every request in flight; later requests fail at once. */
  dispose(): void {
    this.aborter.abort();
  }

  private async getArray(path: string, search: URLSearchParams): Promise<unknown[]> {
    const url = new URL(path, this.base);
    url.search = search.toString();
    const where = `GET ${loggableUrl(url)}`;
    const headers = new Headers({ accept: 'application/json', 'x-keyfactor-requested-with': 'APIClient', 'x-keyfactor-api-version': '1' });
    for (const [name, value] of await this.options.authHeaders()) headers.set(name, value);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { headers, redirect: 'error', signal: AbortSignal.any([this.aborter.signal, AbortSignal.timeout(this.options.timeoutMs)]) });
      text = await res.text();
    } catch (e) {
      const cause = (e as Error).name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : describeFetchError(e);
      throw new PollerError('POLL_PLATFORM_UNREACHABLE', `${where} failed: ${cause}`, undefined, { cause: e });
    }
    if (res.status === 401) throw new PollerError('POLL_PLATFORM_UNAUTHORIZED', `${where} answered 401: the platform refused the host's credentials (check platform.auth / JOBHOOK_PLATFORM_TOKEN / JOBHOOK_PLATFORM_USER)`);
    if (res.status === 403) throw new PollerError('POLL_PLATFORM_FORBIDDEN', `${where} answered 403: the host's platform account lacks the permission to read this (see the README's "Polling the job history")`);
    if (!res.ok) throw new PollerError('POLL_PLATFORM_ERROR', `${where} answered ${res.status}: ${text.slice(0, 200)}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new PollerError('POLL_PAGE_MALFORMED', `${where} answered ${res.status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 120))}`);
    }
    if (!Array.isArray(body)) throw new PollerError('POLL_PAGE_MALFORMED', `${where} answered with ${body === null ? 'null' : typeof body} instead of a JSON array`);
    return body;
  }
}

function describeFetchError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${cause.code}${cause.message ? ` (${cause.message})` : ''}` : (e as Error).message;
}
