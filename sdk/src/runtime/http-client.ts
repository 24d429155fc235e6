import { HttpClient, type HttpRequestOptions, type HttpResponse, type HttpResponsePromise } from '../http-client.js';
import type { RuntimeBridge } from './protocol.js';
import { RuntimeError } from './error-info.js';

/**
 * The in-isolate platform client. Requests are described as data and performed by the host
 * (`host/src/egress`); until egress is wired, every call rejects with EGRESS_NOT_AVAILABLE.
 */
export class BridgeHttpClient extends HttpClient {
  constructor(
    private readonly bridgeHttp: RuntimeBridge['http'] | null,
    private readonly invocationId: string | null,
  ) {
    super();
  }
  private request(method: string, input: string, _options?: HttpRequestOptions): HttpResponsePromise {
    const pending = Promise.reject(
      new RuntimeError('EGRESS_NOT_AVAILABLE', `HTTP client is not available in this host: ${method} ${String(input)}`),
    ) as Promise<HttpResponse>;
    const read = <T>(f: (r: HttpResponse) => Promise<T>) => () => pending.then(f);
    return Object.assign(pending, {
      json: read((r) => r.json()),
      text: read((r) => r.text()),
      arrayBuffer: read((r) => r.arrayBuffer()),
    }) as HttpResponsePromise;
  }
  get(input: string, options?: HttpRequestOptions): HttpResponsePromise {
    return this.request('GET', input, options);
  }
  post(input: string, options?: HttpRequestOptions): HttpResponsePromise {
    return this.request('POST', input, options);
  }
  put(input: string, options?: HttpRequestOptions): HttpResponsePromise {
    return this.request('PUT', input, options);
  }
  patch(input: string, options?: HttpRequestOptions): HttpResponsePromise {
    return this.request('PATCH', input, options);
  }
  delete(input: string, options?: HttpRequestOptions): HttpResponsePromise {
    return this.request('DELETE', input, options);
  }
  head(input: string, options?: HttpRequestOptions): HttpResponsePromise {
    return this.request('HEAD', input, options);
  }
}
