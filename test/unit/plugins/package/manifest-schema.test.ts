import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ManifestSchema } from '@jobhook/host';
import { GUID_A, manifest } from '../../../support/foundation-plugins.js';

const schema = new ManifestSchema();
const example = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../../plugins/${name}/plugin.json`, import.meta.url), 'utf8'));

describe('plugin manifest schema', () => {
  for (const name of ['inventory-audit', 'owner-notify']) {
    it(`accepts the example plugin ${name}`, () => {
      expect(schema.problems(example(name))).to.deep.equal([]);
    });
  }

  it('accepts a minimal manifest with permissions, limits, config and integrity', () => {
    const m = manifest('acme.full', {
      permissions: { http: [{ url: 'Certificates/*', methods: ['GET', 'PUT'] }, { url: 'https://hooks.example.com/pki/**', methods: ['POST'] }] },
      limits: { memoryMb: 16, timeoutMs: 1000, concurrency: 2 },
      config: { anything: { nested: true } },
      integrity: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
    });
    expect(schema.problems(m)).to.deep.equal([]);
  });

  const broken: Array<[string, (m: Record<string, unknown>) => void, string]> = [
    ['an id with upper-case letters', (m) => (m.id = 'Acme.Plugin'), '/id'],
    ['an id starting with a dot', (m) => (m.id = '.acme'), '/id'],
    ['a missing name', (m) => delete m.name, '/name'],
    ['a version that is not semver', (m) => (m.version = '1.0'), '/version'],
    ['a missing engine', (m) => delete m.engine, '/engine'],
    ['a main with ..', (m) => (m.main = '../outside.js'), '/main'],
    ['an absolute main', (m) => (m.main = '/etc/passwd.js'), '/main'],
    ['no handlers', (m) => (m.handlers = []), '/handlers'],
    ['a handler without jobTypes', (m) => (m.handlers = [{ name: 'H' }]), '/handlers/0/jobTypes'],
    ['a job type that is not a GUID', (m) => (m.handlers = [{ name: 'H', jobTypes: [GUID_A, 'not-a-guid'] }]), '/handlers/0/jobTypes/1'],
    ['an id ending in a dot', (m) => (m.id = 'acme.x.'), '/id'],
    ['an id ending in a dash', (m) => (m.id = 'acme.x-'), '/id'],
    ['an id with two separators in a row', (m) => (m.id = 'acme..x'), '/id'],
    ['more than 256 job types on a handler', (m) => (m.handlers = [{ name: 'H', jobTypes: Array.from({ length: 257 }, () => GUID_A) }]), '/handlers/0/jobTypes'],
    ['more than 64 handlers', (m) => (m.handlers = Array.from({ length: 65 }, (_, i) => ({ name: `H${i}`, jobTypes: [GUID_A] }))), '/handlers'],
    ['an unknown top-level field (typo)', (m) => (m.handlerz = []), '/handlerz'],
    ['an http rule with an unknown method', (m) => (m.permissions = { http: [{ url: 'Certificates/*', methods: ['FETCH'] }] }), '/permissions/http/0/methods/0'],
    ['an http rule without methods', (m) => (m.permissions = { http: [{ url: 'Certificates/*' }] }), '/permissions/http/0/methods'],
    ['a memory limit below 8 MiB', (m) => (m.limits = { memoryMb: 4 }), '/limits/memoryMb'],
    ['a zero timeout', (m) => (m.limits = { timeoutMs: 0 }), '/limits/timeoutMs'],
    ['an unknown limit', (m) => (m.limits = { cpuMs: 10 }), '/limits/cpuMs'],
    ['an integrity that is not sha256 SRI', (m) => (m.integrity = 'md5-abc'), '/integrity'],
    ['config that is not an object', (m) => (m.config = 'x'), '/config'],
  ];
  for (const [what, breakIt, pointer] of broken) {
    it(`rejects ${what} at ${pointer}`, () => {
      const m = manifest('acme.broken');
      breakIt(m);
      const pointers = schema.problems(m).map((p) => p.pointer);
      expect(pointers).to.include(pointer);
    });
  }

  it('reports every problem at once, not only the first', () => {
    const m = manifest('Bad Id', { version: 'x', main: '../a.js' });
    const pointers = schema.problems(m).map((p) => p.pointer);
    expect(pointers).to.include.members(['/id', '/version', '/main']);
  });

  it('names the unknown property in its message so a typo is easy to spot', () => {
    const m = manifest('acme.typo', { limts: {} });
    const problem = schema.problems(m).find((p) => p.pointer === '/limts');
    expect(problem?.message).to.match(/unknown property 'limts'/);
  });
});
