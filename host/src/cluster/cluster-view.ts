import type { HostRecord } from './cluster-store.js';

/** One plugin across the live hosts: which version (and exact content) each runs. */
export interface PluginSpread {
  readonly id: string;
  readonly versions: ReadonlyArray<{ readonly version: string | null; readonly contentHash: string | null; readonly hosts: readonly string[] }>;
  /** Live hosts that do not have it at all. */
  readonly missingOn: readonly string[];
  /** Every live host runs the same content of it. */
  readonly consistent: boolean;
}

/** `GET /v1/cluster`. */
export interface ClusterView {
  readonly self: string;
  readonly store: 'sqlite' | 'postgres';
  readonly hosts: readonly HostRecord[];
  readonly plugins: readonly PluginSpread[];
  /** Ids of plugins whose version or content differs between live hosts (or that some live host lacks). */
  readonly inconsistent: readonly string[];
}

/** Compares the plugin sets the live hosts published. Only `active` plugins count as served. */
export function spreadOfPlugins(hosts: readonly HostRecord[]): PluginSpread[] {
  const live = hosts.filter((h) => h.live);
  const ids = [...new Set(live.flatMap((h) => h.plugins.filter((p) => p.state === 'active').map((p) => p.id)))].sort();
  return ids.map((id) => {
    const byContent = new Map<string, { version: string | null; contentHash: string | null; hosts: string[] }>();
    const missingOn: string[] = [];
    for (const h of live) {
      const p = h.plugins.find((x) => x.id === id && x.state === 'active');
      if (!p) {
        missingOn.push(h.id);
        continue;
      }
      const key = `${p.version}\u0000${p.contentHash}`;
      const entry = byContent.get(key) ?? { version: p.version, contentHash: p.contentHash, hosts: [] };
      entry.hosts.push(h.id);
      byContent.set(key, entry);
    }
    const versions = [...byContent.values()];
    return { id, versions, missingOn, consistent: versions.length === 1 && missingOn.length === 0 };
  });
}

/** Why `hostId` is degraded (a plugin it serves, or lacks, differs on another live host), or null. */
export function degradedReason(hostId: string, plugins: readonly PluginSpread[]): string | null {
  const bad = plugins.filter((p) => !p.consistent && (p.missingOn.includes(hostId) || p.versions.some((v) => v.hosts.includes(hostId))));
  if (bad.length === 0) return null;
  const describe = (p: PluginSpread): string =>
    `${p.id} (${[...p.versions.map((v) => `${v.version ?? '?'} on ${v.hosts.join(', ')}`), ...(p.missingOn.length ? [`missing on ${p.missingOn.join(', ')}`] : [])].join('; ')})`;
  return `plugin versions differ between live hosts: ${bad.map(describe).join(', ')}; deploy one version to every host (jobhook deploy)`;
}
