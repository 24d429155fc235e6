import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { configFromEnv, resolveConfig } from '../../../host/dist/config.js';
import { tempDir } from '../../support/foundation-plugins.js';

describe('platform access in host configuration', () => {
  it('reads OAuth client credentials from JOBHOOK_PLATFORM_OAUTH_*, the secret inline or from a file', async () => {
    const tmp = await tempDir();
    try {
      writeFileSync(`${tmp.path}/secret`, 'from-a-file\n');
      const config = resolveConfig(
        configFromEnv({
          JOBHOOK_PLATFORM_URL: 'https://kf.example.com/KeyfactorAPI/',
          JOBHOOK_PLATFORM_OAUTH_TOKEN_URL: 'https://idp.example.com/connect/token',
          JOBHOOK_PLATFORM_OAUTH_CLIENT_ID: 'jobhook',
          JOBHOOK_PLATFORM_OAUTH_CLIENT_SECRET_FILE: `${tmp.path}/secret`,
          JOBHOOK_PLATFORM_OAUTH_AUDIENCE: 'command',
        }),
      );
      expect(config.platform.auth).to.deep.equal({ type: 'oauth', tokenUrl: 'https://idp.example.com/connect/token', clientId: 'jobhook', clientSecret: 'from-a-file', audience: 'command' });
    } finally {
      await tmp.dispose();
    }
  });

  it('takes a Basic domain from JOBHOOK_PLATFORM_DOMAIN, and an auth method whole from the last layer naming one', () => {
    const env = configFromEnv({ JOBHOOK_PLATFORM_USER: 'svc', JOBHOOK_PLATFORM_PASSWORD: 'pw', JOBHOOK_PLATFORM_DOMAIN: 'CORP' });
    const config = resolveConfig({ platform: { url: null, auth: { type: 'bearer', token: 'file-token' } } }, env);
    expect(config.platform.auth).to.deep.equal({ type: 'basic', username: 'svc', password: 'pw', domain: 'CORP' });
  });

  it('accepts per-plugin job types, credentials and permission changes, and refuses malformed ones by path', () => {
    const ok = resolveConfig({
      plugins: {
        'acme.x': {
          handlers: { H: { jobTypes: ['A809CE1F-1EEA-4738-A38E-15708C89C981'] } },
          credentials: [{ origin: 'https://relay.example.com', bearer: 'env:RELAY_TOKEN' }, { origin: 'https://tickets.example.com:8443', basic: { username: 'u', password: 'file:/run/secrets/p' } }],
          permissions: { grant: [{ url: 'https://relay.example.com/**', methods: ['POST'] }], revoke: [{ url: 'Certificates/*', methods: ['PUT'] }] },
        },
      },
    });
    expect(ok.plugins['acme.x']?.credentials).to.have.length(2);
    const bad = (plugin: Record<string, unknown>): string => {
      try {
        resolveConfig({ plugins: { 'acme.x': plugin } });
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(bad({ handlers: { H: { jobTypes: ['WinCert:Inventory'] } } })).to.include('/plugins/acme.x/handlers/H/jobTypes/0');
    expect(bad({ credentials: [{ origin: 'https://relay.example.com/path', bearer: 'x' }] })).to.include('/plugins/acme.x/credentials/0');
    expect(bad({ credentials: [{ origin: 'https://relay.example.com', bearer: 'x', basic: { username: 'u', password: 'p' } }] })).to.include('/plugins/acme.x/credentials/0');
    expect(bad({ permissions: { grant: [{ url: 'x', methods: ['FETCH'] }] } })).to.include('/plugins/acme.x/permissions/grant/0/methods/0');
  });
});
