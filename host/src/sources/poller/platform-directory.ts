import { platformGuid, pickField, STORE_JOB_KINDS } from '../../platform/job-type-names.js';
import type { JobHistoryClient } from './job-history-client.js';

/** An orchestrator as the agents list names it. */
export interface AgentInfo {
  readonly agentId: string;
  readonly username: string | null;
}

/**
 * What the poller needs to know about the platform besides the history: agents by machine name and
 * job-type GUIDs by JobType. Both are cached; a name not in the cache triggers one refresh, and a
 * name still unknown is not asked about again for `missRetryMs` (a flood of rows for a deleted
 * agent must not become a flood of requests).
 */
export class PlatformDirectory {
  private readonly agents = new Map<string, AgentInfo>();
  private readonly agentMisses = new Map<string, number>();
  private jobTypes: Map<string, string> | null = null;
  private jobTypesLoadedAt = 0;

  constructor(
    private readonly client: JobHistoryClient,
    private readonly missRetryMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The agent on `machine` (case-insensitive), or undefined when the platform has none. */
  async agent(machine: string): Promise<AgentInfo | undefined> {
    const key = machine.toLowerCase();
    const hit = this.agents.get(key);
    if (hit) return hit;
    const missedAt = this.agentMisses.get(key);
    if (missedAt !== undefined && this.now() - missedAt < this.missRetryMs) return undefined;
    for (const raw of await this.client.agents(machine)) {
      const agentId = platformGuid(pickField(raw, 'AgentId'));
      const name = pickField(raw, 'ClientMachine');
      if (agentId && typeof name === 'string') {
        const username = pickField(raw, 'Username');
        this.agents.set(name.toLowerCase(), { agentId, username: typeof username === 'string' && username.length > 0 ? username : null });
      }
    }
    const found = this.agents.get(key);
    if (found) this.agentMisses.delete(key);
    else this.agentMisses.set(key, this.now());
    return found;
  }

  /** The job-type GUID of `jobType` (e.g. `PEMInventory`, or a custom job type's name), or undefined. */
  async jobTypeId(jobType: string): Promise<string | undefined> {
    const key = jobType.toLowerCase();
    const cached = this.jobTypes?.get(key);
    if (cached) return cached;
    if (this.jobTypes && this.now() - this.jobTypesLoadedAt < this.missRetryMs) return undefined;
    await this.loadJobTypes();
    return this.jobTypes!.get(key);
  }

  private async loadJobTypes(): Promise<void> {
    const [storeTypes, custom] = await Promise.all([this.client.storeTypes(), this.client.customJobTypes()]);
    const map = new Map<string, string>();
    for (const raw of storeTypes) {
      const shortName = pickField(raw, 'ShortName');
      if (typeof shortName !== 'string' || shortName.length === 0) continue;
      // A row's JobType is the short name and the kind: `PEMInventory`, `PEMReenrollment`, …
      for (const [kind, field] of Object.entries(STORE_JOB_KINDS)) {
        const id = platformGuid(pickField(raw, field));
        if (id) map.set(`${shortName}${kind}`.toLowerCase(), id);
      }
    }
    for (const raw of custom) {
      const id = platformGuid(pickField(raw, 'Id'));
      const name = pickField(raw, 'JobTypeName');
      if (id && typeof name === 'string' && name.length > 0) map.set(name.toLowerCase(), id);
    }
    this.jobTypes = map;
    this.jobTypesLoadedAt = this.now();
  }
}
