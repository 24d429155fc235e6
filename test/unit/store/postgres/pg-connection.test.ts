import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configFromEnv, resolveConfig } from '../../../../host/dist/config.js';
import { tempDir } from '../../../support/foundation-plugins.js';
import { parsePgConnection, redactStoreUrl } from '../../../../host/dist/store/postgres/pg-connection.js';

describe('PostgreSQL connection settings', () => {
  it('hides the password of a store URL wherever it is shown', () => {
    expect(redactStoreUrl('postgres://app:s3cret@db.example.com:5432/jobhook?sslmode=require')).to.equal('postgres://app:***@db.example.com:5432/jobhook?sslmode=require');
    const c = parsePgConnection('postgres://app:s3cret@db.example.com/jobhook', null, 4);
    expect(c.display).to.not.include('s3cret');
    expect(c.redact('auth failed for s3cret at postgres://app:s3cret@db.example.com/jobhook')).to.not.include('s3cret');
    expect(c.pool).to.include({ host: 'db.example.com', port: 5432, database: 'jobhook', user: 'app', password: 's3cret', max: 4 });
  });

  it('takes the password from the environment over the URL, and TLS from sslmode', () => {
    const c = parsePgConnection('postgres://app:old@db:6543/jh?sslmode=verify-full', 'from-env', 2);
    expect(c.pool).to.include({ password: 'from-env', port: 6543 });
    expect(c.pool.ssl).to.deep.equal({ rejectUnauthorized: true });
    expect(c.redact('from-env')).to.equal('***');
  });

  it('refuses a URL without a database, or with an unknown sslmode, without echoing the password', () => {
    for (const bad of ['postgres://app:pw1@db/', 'postgres://app:pw1@db/jh?sslmode=maybe']) {
      expect(() => parsePgConnection(bad, null, 2)).to.throw(/STORE_URL_INVALID|store\.url/).with.property('message').that.does.not.include('pw1');
    }
  });

  it('reads store.url and the password (or its file) from the environment', async () => {
    const tmp = await tempDir();
    try {
      const file = path.join(tmp.path, 'pw');
      await writeFile(file, 'file-secret\n');
      const config = resolveConfig(configFromEnv({ JOBHOOK_STORE_URL: 'postgres://app@db/jh', JOBHOOK_STORE_PASSWORD_FILE: file }));
      expect(config.store).to.include({ url: 'postgres://app@db/jh', password: 'file-secret', leaseMs: 30_000 });
      expect(resolveConfig({}).store.url).to.equal(null);
    } finally {
      await tmp.dispose();
    }
  });
});
