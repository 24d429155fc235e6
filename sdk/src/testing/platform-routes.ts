// The in-memory platform API a test describes: `'METHOD path'` keys, replies as data or functions.

/** A request the plugin made that reached the fake platform (after the host's egress policy). */
export interface PlatformRequest {
  readonly method: string;
  /** Path relative to the platform API base, without query, e.g. `Certificates/42`. */
  readonly path: string;
  /** Query parameters (last value wins for repeated names). */
  readonly query: Readonly<Record<string, string>>;
  /** Header names lower-cased, as the platform received them (credentials added by the host included). */
  readonly headers: Readonly<Record<string, string>>;
  /** Body as text ('' when none). */
  readonly body: string;
  /** Body parsed as JSON when it is JSON, else undefined. */
  readonly json: unknown;
  /** Status the fake platform answered. */
  readonly status: number;
  /** The route key that answered, or null when none matched (answered 404). */
  readonly route: string | null;
  /** For a third-party origin the test faked (`origins`), that origin; absent for the platform API. */
  readonly origin?: string;
}

/** What a route answers. Defaults: status 200, empty body. */
export interface PlatformReply {
  readonly status?: number;
  /** Sent as JSON with `content-type: application/json`. */
  readonly json?: unknown;
  /** Sent as is (`content-type: text/plain` unless `headers` says otherwise). */
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait before answering, e.g. to exercise the plugin's timeout. */
  readonly delayMs?: number;
}

/** What the route function receives: the request without the answer fields. */
export type PlatformRouteRequest = Omit<PlatformRequest, 'status' | 'route' | 'origin'>;

/** A fixed reply, or a function computing one from the request. */
export type PlatformRoute = PlatformReply | ((request: PlatformRouteRequest) => PlatformReply | Promise<PlatformReply>);

/**
 * The fake platform API: keys are `'METHOD path'` relative to `/KeyfactorAPI/`, e.g.
 * `'GET Certificates/42'`, `'PUT Certificates/Metadata'`, `'GET Certificates/*'` (one segment),
 * `'GET Workflow/**'` (any suffix). A key without `?` matches any query; with `?` the query must
 * contain the given parameters. The first matching key in insertion order wins.
 */
export type PlatformRoutes = Readonly<Record<string, PlatformRoute>>;

interface CompiledRoute {
  readonly key: string;
  readonly method: string;
  readonly path: RegExp;
  readonly query: ReadonlyArray<[string, string]>;
  readonly route: PlatformRoute;
}

function escape(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** A route path pattern as a RegExp: `*` one segment, `**` any suffix, case-insensitive. */
export function compilePath(pattern: string): RegExp {
  const body = pattern
    .replace(/^\/+/, '')
    .split('/')
    .map((segment) => (segment === '**' ? '.*' : segment.split('*').map(escape).join('[^/]*')))
    .join('/');
  return new RegExp(`^${body.replace(/\/\.\*$/, '(?:/.*)?')}$`, 'i');
}

/** Parses and checks the keys once, so a typo fails the test at once with the bad key named. */
export function compileRoutes(routes: PlatformRoutes): readonly CompiledRoute[] {
  return Object.entries(routes).map(([key, route]) => {
    const m = /^(GET|HEAD|POST|PUT|PATCH|DELETE|\*)\s+(\S+)$/i.exec(key.trim());
    if (m === null || m[1] === undefined || m[2] === undefined) {
      throw new TypeError(`platform route '${key}' must look like 'GET Certificates/42' (a method or *, a space, a path relative to /KeyfactorAPI/)`);
    }
    const [pathPart, queryPart] = m[2].split('?', 2) as [string, string | undefined];
    const query = queryPart === undefined ? [] : [...new URLSearchParams(queryPart).entries()];
    return { key, method: m[1].toUpperCase(), path: compilePath(pathPart), query, route };
  });
}

/** The first route matching a request, or undefined. */
export function matchRoute(routes: readonly CompiledRoute[], method: string, path: string, query: Readonly<Record<string, string>>): CompiledRoute | undefined {
  return routes.find(
    (r) => (r.method === '*' || r.method === method || (r.method === 'GET' && method === 'HEAD')) && r.path.test(path) && r.query.every(([k, v]) => query[k] === v),
  );
}
