// Every origin a plugin under test may reach, faked on loopback: the platform API and any
// third-party origin the test names. The host's egress is routed to them; a request for any other
// origin never leaves the process (no DNS lookup) and fails the run with a clear error.
import { startFakePlatform, type FakePlatform } from './fake-platform.js';
import type { HarnessRouter } from './load-host.js';
import type { PlatformRequest, PlatformRoutes } from './platform-routes.js';

/** A request the plugin made to an origin the test did not fake. */
export interface UnfakedRequest {
  readonly origin: string;
  readonly url: string;
}

/** The fakes of one harness. */
export interface FakeOrigins {
  readonly platform: FakePlatform;
  /** Every request the fakes received, platform first then in origin order, each with its origin. */
  requestsSince(mark: Marks): PlatformRequest[];
  mark(): Marks;
  readonly unfaked: readonly UnfakedRequest[];
  /** Routes the host's requests to the fakes; throws `error(code, message, url)` for any other origin. */
  router(error: (code: string, message: string, url: string) => Error): HarnessRouter;
  close(): Promise<void>;
}

/** Where each fake's request list stood at a moment. */
export type Marks = ReadonlyMap<string, number>;

function originOf(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`origins: '${raw}' is not a URL; write an origin such as 'https://relay.example.com'`);
  }
  if (url.pathname !== '/' || url.search || url.hash) throw new TypeError(`origins: '${raw}' must be an origin only (scheme, host, port), without a path`);
  return url.origin;
}

/** Starts the platform fake and one fake per named origin (routes relative to `/`). */
export async function startFakeOrigins(platformRoutes: PlatformRoutes | undefined, origins: Readonly<Record<string, PlatformRoutes>> = {}): Promise<FakeOrigins> {
  const named = Object.entries(origins).map(([o, routes]) => [originOf(o), routes] as const);
  const platform = await startFakePlatform(platformRoutes);
  const fakes = new Map<string, FakePlatform>();
  try {
    for (const [origin, routes] of named) fakes.set(origin, await startFakePlatform(routes, { prefix: '/' }));
  } catch (e) {
    await Promise.all([platform.close(), ...[...fakes.values()].map((f) => f.close())]);
    throw e;
  }
  const platformOrigin = new URL(platform.url).origin;
  const unfaked: UnfakedRequest[] = [];
  return {
    platform,
    unfaked,
    mark: () => new Map([[platformOrigin, platform.requests.length], ...[...fakes].map(([o, f]) => [o, f.requests.length] as const)]),
    requestsSince: (marks) => [
      ...platform.requests.slice(marks.get(platformOrigin) ?? 0),
      ...[...fakes].flatMap(([origin, f]) => f.requests.slice(marks.get(origin) ?? 0).map((r) => ({ ...r, origin }))),
    ],
    router: (error) => (url) => {
      if (url.origin === platformOrigin) return url;
      const fake = fakes.get(url.origin);
      if (fake === undefined) {
        unfaked.push({ origin: url.origin, url: `${url.origin}${url.pathname}` });
        const faked = [...fakes.keys()];
        throw error(
          'HARNESS_ORIGIN_NOT_FAKED',
          `the test fakes no server for ${url.origin} (requested ${url.origin}${url.pathname}); add it to the harness options: origins: { '${url.origin}': { 'METHOD path': reply } }${faked.length > 0 ? ` (faked: ${faked.join(', ')})` : ''}`,
          url.href,
        );
      }
      return new URL(`${url.pathname.replace(/^\/+/, '')}${url.search}`, fake.url);
    },
    close: async () => {
      await Promise.all([platform.close(), ...[...fakes.values()].map((f) => f.close())]);
    },
  };
}
