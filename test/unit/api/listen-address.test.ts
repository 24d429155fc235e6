import { expect } from 'chai';
import { assertSafeListen, isLoopback, parseListen } from '../../../host/dist/api/listen-address.js';

describe('listen address', () => {
  it('parses host:port, [ipv6]:port and names', () => {
    expect(parseListen('127.0.0.1:8080')).to.deep.equal({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('[::1]:0')).to.deep.equal({ host: '::1', port: 0 });
    expect(parseListen('localhost:9')).to.deep.equal({ host: 'localhost', port: 9 });
  });

  it('refuses what is not HOST:PORT with CONFIG_LISTEN_INVALID', () => {
    for (const bad of ['8080', '127.0.0.1', '127.0.0.1:70000', '::1:8080', 'host:port']) {
      expect(() => parseListen(bad), bad).to.throw(/is not HOST:PORT/).with.property('code', 'CONFIG_LISTEN_INVALID');
    }
  });

  it('knows loopback addresses from the others', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) expect(isLoopback(h), h).to.equal(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'jobhook.example.com', '::ffff:10.0.0.1', '128.0.0.1']) expect(isLoopback(h), h).to.equal(false);
  });

  it('refuses a non-loopback address without a token unless insecure is asked for', () => {
    expect(() => assertSafeListen({ host: '0.0.0.0', port: 8080 }, null, false)).to.throw(/refusing to listen on 0\.0\.0\.0:8080 without an API token/).with.property('code', 'SERVE_INSECURE_LISTEN');
    expect(() => assertSafeListen({ host: '0.0.0.0', port: 8080 }, 't', false)).to.not.throw();
    expect(() => assertSafeListen({ host: '0.0.0.0', port: 8080 }, null, true)).to.not.throw();
    expect(() => assertSafeListen({ host: '127.0.0.1', port: 8080 }, null, false)).to.not.throw();
  });
});
