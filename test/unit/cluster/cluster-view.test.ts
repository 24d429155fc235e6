import { expect } from 'chai';
import type { HostRecord } from '../../../host/dist/cluster/cluster-store.js';
import { degradedReason, spreadOfPlugins } from '../../../host/dist/cluster/cluster-view.js';

const host = (id: string, plugins: Array<[string, string, string?]>, live = true): HostRecord => ({
  id,
  address: `http://${id}:8080`,
  version: '0.1.0',
  startedAt: '2026-12-01T00:00:00.000Z',
  heartbeatAt: '2026-12-01T00:00:01.000Z',
  live,
  plugins: plugins.map(([pid, version, state]) => ({ id: pid, version, contentHash: `hash-${version}`, state: state ?? 'active' })),
});

describe('cluster plugin spread', () => {
  it('finds nothing to flag when every live host runs the same plugins', () => {
    const spread = spreadOfPlugins([host('a', [['p.x', '1.0.0']]), host('b', [['p.x', '1.0.0']])]);
    expect(spread.map((p) => p.consistent)).to.deep.equal([true]);
    expect(degradedReason('a', spread)).to.equal(null);
  });

  it('flags a version that differs between live hosts, naming each host’s version', () => {
    const spread = spreadOfPlugins([host('a', [['p.x', '1.0.0']]), host('b', [['p.x', '1.1.0']])]);
    expect(spread[0]!.consistent).to.equal(false);
    expect(degradedReason('b', spread)).to.match(/p\.x \(1\.0\.0 on a; 1\.1\.0 on b\)/);
  });

  it('flags a plugin a live host lacks or failed to load, and ignores dead hosts', () => {
    const spread = spreadOfPlugins([host('a', [['p.x', '1.0.0']]), host('b', [['p.x', '1.0.0', 'failed']]), host('c', [['p.x', '0.9.0']], false)]);
    expect(spread[0]!.missingOn).to.deep.equal(['b']);
    expect(degradedReason('b', spread)).to.match(/missing on b/);
    expect(spread[0]!.versions.map((v) => v.version)).to.deep.equal(['1.0.0']);
  });
});
