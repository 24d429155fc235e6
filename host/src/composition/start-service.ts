import { Dispatcher } from '../delivery/dispatcher.js';
import { assertSafeListen, parseListen } from '../api/listen-address.js';
import { ServiceMetrics } from '../api/metrics/service-metrics.js';
import { DisposableStore } from '../lifecycle/index.js';
import { buildApi } from './build-api.js';
import type { Service, ServiceOptions } from './service-options.js';
import { buildOrRelease } from './start-up.js';

/** Starts the HTTP API and the dispatcher loop over `store`, for a host and store the caller owns. */
export async function startService(options: ServiceOptions): Promise<Service> {
  const { host, logger } = options;
  const address = parseListen(options.listen ?? host.config.listen);
  const token = options.token === undefined ? host.config.apiToken : options.token;
  assertSafeListen(address, token, options.insecure === true);
  const metrics = options.metrics ?? new ServiceMetrics();
  const owner = new DisposableStore('the service');
  const dispatcher = new Dispatcher(host.registry, logger);
  const { url, port } = await buildOrRelease(owner, logger, undefined, () => buildApi(owner, { ...options, address, token, metrics, dispatcher }));
  return { url, port, metrics, close: () => owner.dispose() };
}
