import { loggableUrl } from '../../egress/platform-url.js';
import { PlatformApiError, type PlatformAnswer, type PlatformApi } from '../../platform/platform-api.js';
import { PollerError } from './poller-error.js';

/** Paging parameters sent under both spellings: older Command reads `pq.*`, newer accepts the plain names too. */
function pagingParams(params: Readonly<Record<string, string>>): URLSearchParams {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    search.set(`pq.${k}`, v);
    search.set(k, v);
  }
  return search;
}

// The platform client's failures before an answer, as the poller reports them.
const UNAUTHORIZED_CAUSES = new Set(['PLATFORM_TOKEN_FAILED']);

/**
 * The platform API calls the poller makes, each one GET through the host's platform client (its
 * credentials — one OAuth token per host, renewed on a 401 —, Keyfactor's API-client headers, timeout
 * and router). Answers are returned as raw JSON arrays; errors are PollerErrors with a code the poller reports.
 */
export class JobHistoryClient {
  private readonly aborter = new AbortController();

  constructor(private readonly api: PlatformApi) {}

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

  /** Aborts every request in flight (a token fetch included); later requests fail at once. */
  dispose(): void {
    this.aborter.abort();
  }

  private async getArray(path: string, search: URLSearchParams): Promise<unknown[]> {
    const relative = `${path}?${search.toString()}`;
    const where = `GET ${loggableUrl(new URL(relative, this.api.url))}`;
    let res: PlatformAnswer;
    try {
      res = await this.api.get(relative, { signal: this.aborter.signal });
    } catch (e) {
      if (!(e instanceof PlatformApiError)) throw e;
      if (UNAUTHORIZED_CAUSES.has(e.code)) throw new PollerError('POLL_PLATFORM_UNAUTHORIZED', `${where}: the host could not get platform credentials: ${e.message}`, undefined, { cause: e });
      throw new PollerError('POLL_PLATFORM_UNREACHABLE', `${where} failed: ${e.message}`, undefined, { cause: e });
    }
    const { status, text } = res;
    if (status === 401) throw new PollerError('POLL_PLATFORM_UNAUTHORIZED', `${where} answered 401: the platform refused the host's ${res.auth} credentials (check platform.auth / JOBHOOK_PLATFORM_TOKEN / JOBHOOK_PLATFORM_USER)`);
    if (status === 403) throw new PollerError('POLL_PLATFORM_FORBIDDEN', `${where} answered 403: the host's platform account lacks the permission to read this (see the README's "Polling the job history")`);
    if (status < 200 || status > 299) throw new PollerError('POLL_PLATFORM_ERROR', `${where} answered ${status}: ${text.slice(0, 200)}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new PollerError('POLL_PAGE_MALFORMED', `${where} answered ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 120))}`);
    }
    if (!Array.isArray(body)) throw new PollerError('POLL_PAGE_MALFORMED', `${where} answered with ${body === null ? 'null' : typeof body} instead of a JSON array`);
    return body;
  }
}

