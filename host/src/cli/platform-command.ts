import type { CommandInput, FlagSpecs } from '@jobhook/sdk/command-line';
import { platformCredentials } from '../egress/platform-credentials.js';
import { PlatformApi } from '../platform/platform-api.js';
import { cliErrorText, configFromCli, type HostFlagValues } from './cli-config.js';

/**
 * `jobhook platform check`: `GET Status/Endpoints` with the configured platform URL and credentials.
 * Prints the Command version (`x-keyfactor-product-version`) and exits 0, or says precisely what
 * failed — unreachable, TLS, the token endpoint, which credentials a 401 refused — and exits 1.
 */
export async function platformCheckCommand({ values, io }: CommandInput<FlagSpecs>): Promise<number> {
  const { stdout: out, stderr: err } = io;
  let api: PlatformApi;
  try {
    const config = configFromCli(values as HostFlagValues);
    if (!config.platform.url) {
      err.write('PLATFORM_NOT_CONFIGURED: no platform API is configured (set platform.url, --platform-url or JOBHOOK_PLATFORM_URL)\n');
      return 1;
    }
    api = new PlatformApi(config.platform.url, platformCredentials(config.platform.auth, { timeoutMs: config.egress.defaultTimeoutMs }), { timeoutMs: config.egress.defaultTimeoutMs });
  } catch (e) {
    err.write(`${cliErrorText(e)}\n`);
    return 2;
  }
  const target = `${api.url}Status/Endpoints`;
  try {
    const answer = await api.get('Status/Endpoints');
    if (answer.status === 401 || answer.status === 403) {
      const code = answer.status === 401 ? 'PLATFORM_UNAUTHORIZED' : 'PLATFORM_FORBIDDEN';
      err.write(`${code}: GET ${target} answered ${answer.status} to ${answer.auth} credentials${answer.status === 401 ? '; check platform.auth' : '; the account lacks the permission to read API status'}\n`);
      return 1;
    }
    if (answer.status < 200 || answer.status > 299) {
      err.write(`PLATFORM_ERROR: GET ${target} answered ${answer.status}${answer.text ? `: ${answer.text.replace(/\s+/g, ' ').slice(0, 200)}` : ''}\n`);
      return 1;
    }
    const version = answer.headers.get('x-keyfactor-product-version');
    out.write(`ok: ${api.url} answered GET Status/Endpoints (${answer.status}) with ${answer.auth} credentials; Keyfactor Command ${version ?? '(version not reported: no x-keyfactor-product-version header)'}\n`);
    return 0;
  } catch (e) {
    err.write(`${cliErrorText(e)}\n`);
    return 1;
  }
}
