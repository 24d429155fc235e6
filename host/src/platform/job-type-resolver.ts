import { JobHookError } from '../errors.js';
import { normalizeGuid } from '@jobhook/sdk/contract';
import { NIL_GUID, PLATFORM_GUID, STORE_JOB_KINDS, pickField, type JobTypeEntry } from './job-type-names.js';
import type { PlatformAnswer, PlatformApi } from './platform-api.js';

/** A symbolic job type as the platform resolved it. */
export interface ResolvedJobType {
  /** The manifest entry, e.g. `WinCert:Inventory`. */
  readonly entry: string;
  readonly jobTypeId: string;
  /** The job type's name as events carry it: `WinCertInventory`, or the custom job type's name. */
  readonly jobType: string;
}

/** A name did not resolve (JOB_TYPE_UNRESOLVED) or the platform could not be asked (JOB_TYPE_LOOKUP_FAILED). */
export class JobTypeError extends JobHookError {
  override readonly name = 'JobTypeError';
}

/** Turns symbolic job types into GUIDs. */
export interface JobTypeResolver {
  /** `cached`: an earlier answer may serve (a restart after a crash); otherwise the platform is asked again. */
  resolve(entry: Exclude<JobTypeEntry, { kind: 'guid' }>, options: { readonly cached: boolean }): Promise<ResolvedJobType>;
}

interface StoreTypeAnswer {
  readonly ShortName?: string;
  readonly [field: string]: unknown;
}

function parseJson(answer: PlatformAnswer, what: string): unknown {
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    throw new JobTypeError('JOB_TYPE_LOOKUP_FAILED', `${what} answered ${answer.status} with a body that is not JSON`);
  }
}

/**
 * Resolves through the platform API: `GET CertificateStoreTypes/Name/{shortName}` (the store type's
 * InventoryJobType, ManagementJobType, EnrollmentJobType, DiscoveryJobType) and `GET JobTypes/Custom`.
 * Lookups in flight are shared (a start with fifty plugins naming WinCert asks once), and the last
 * answer is kept for `cached` lookups, so a crashed plugin restarts even while the platform is down.
 */
export class PlatformJobTypeResolver implements JobTypeResolver {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly answers = new Map<string, unknown>();

  constructor(private readonly api: PlatformApi) {}

  async resolve(entry: Exclude<JobTypeEntry, { kind: 'guid' }>, options: { readonly cached: boolean }): Promise<ResolvedJobType> {
    if (entry.kind === 'custom') {
      const list = (await this.lookup('custom', options.cached, () => this.customJobTypes())) as Array<Record<string, unknown>>;
      const byName = (exact: boolean): Record<string, unknown> | undefined =>
        list.find((t) => {
          const name = pickField(t, 'JobTypeName');
          return typeof name === 'string' && (exact ? name === entry.name : name.toLowerCase() === entry.name.toLowerCase());
        });
      const found = byName(true) ?? byName(false);
      if (!found) {
        const names = list.map((t) => pickField(t, 'JobTypeName')).filter((n) => typeof n === 'string');
        throw new JobTypeError('JOB_TYPE_UNRESOLVED', `the platform has no custom job type named '${entry.name}' (GET JobTypes/Custom lists ${names.length > 0 ? names.map((n) => `'${n}'`).join(', ') : 'none'})`);
      }
      return { entry: entry.text, jobTypeId: this.guidOf(pickField(found, 'Id'), `custom job type '${entry.name}'`), jobType: String(pickField(found, 'JobTypeName')) };
    }
    const storeType = (await this.lookup(`store:${entry.storeType.toLowerCase()}`, options.cached, () => this.storeType(entry.storeType))) as StoreTypeAnswer;
    const field = STORE_JOB_KINDS[entry.job];
    const value = pickField(storeType, field);
    if (value === null || value === undefined || value === '' || (typeof value === 'string' && normalizeGuid(value) === NIL_GUID)) {
      throw new JobTypeError('JOB_TYPE_UNRESOLVED', `the platform's store type '${entry.storeType}' has no ${entry.job} job type (its ${field} is ${value === undefined ? 'missing' : JSON.stringify(value)})`);
    }
    const shortName = typeof pickField(storeType, 'ShortName') === 'string' ? String(pickField(storeType, 'ShortName')) : entry.storeType;
    return { entry: entry.text, jobTypeId: this.guidOf(value, `store type '${entry.storeType}' ${field}`), jobType: `${shortName}${entry.job}` };
  }

  private guidOf(value: unknown, what: string): string {
    if (typeof value !== 'string' || !PLATFORM_GUID.test(value)) throw new JobTypeError('JOB_TYPE_LOOKUP_FAILED', `the platform answered ${what} = ${JSON.stringify(value)}, which is not a GUID`);
    return normalizeGuid(value);
  }

  private lookup(key: string, cached: boolean, ask: () => Promise<unknown>): Promise<unknown> {
    const running = this.inFlight.get(key);
    if (running) return running;
    if (cached && this.answers.has(key)) return Promise.resolve(this.answers.get(key));
    const started = ask()
      .then((answer) => {
        this.answers.set(key, answer);
        return answer;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  private async ask(path: string): Promise<PlatformAnswer> {
    try {
      return await this.api.get(path);
    } catch (e) {
      const err = e as JobHookError;
      throw new JobTypeError('JOB_TYPE_LOOKUP_FAILED', `GET ${path} failed: ${err.code ? `${err.code}: ` : ''}${err.message}`, undefined, { cause: e });
    }
  }

  private async storeType(shortName: string): Promise<StoreTypeAnswer> {
    const path = `CertificateStoreTypes/Name/${encodeURIComponent(shortName)}`;
    const answer = await this.ask(path);
    // Command answers a missing short name with 404 (newer) or 400 and a message (older).
    if (answer.status === 404 || answer.status === 400) {
      throw new JobTypeError('JOB_TYPE_UNRESOLVED', `the platform has no certificate store type with short name '${shortName}' (GET ${path} answered ${answer.status}); was it renamed?`);
    }
    if (answer.status !== 200) throw new JobTypeError('JOB_TYPE_LOOKUP_FAILED', `GET ${path} answered ${answer.status} (with ${answer.auth} credentials)`);
    const json = parseJson(answer, `GET ${path}`);
    const one = Array.isArray(json) ? json[0] : json;
    if (one === null || typeof one !== 'object') {
      throw new JobTypeError('JOB_TYPE_UNRESOLVED', `the platform has no certificate store type with short name '${shortName}' (GET ${path} answered no store type)`);
    }
    return one as StoreTypeAnswer;
  }

  private async customJobTypes(): Promise<Array<Record<string, unknown>>> {
    const answer = await this.ask('JobTypes/Custom');
    if (answer.status !== 200) throw new JobTypeError('JOB_TYPE_LOOKUP_FAILED', `GET JobTypes/Custom answered ${answer.status} (with ${answer.auth} credentials)`);
    const json = parseJson(answer, 'GET JobTypes/Custom');
    if (!Array.isArray(json)) throw new JobTypeError('JOB_TYPE_LOOKUP_FAILED', 'GET JobTypes/Custom did not answer an array');
    return json.filter((t): t is Record<string, unknown> => t !== null && typeof t === 'object');
  }
}

/** The resolver of a host with no platform API: every symbolic name is refused, saying why. */
export const NO_PLATFORM_RESOLVER: JobTypeResolver = {
  resolve: async (entry) => {
    throw new JobTypeError('JOB_TYPE_UNRESOLVED', `'${entry.text}' names a job type the host resolves through the platform API, and no platform is configured (set platform.url), or list GUIDs in plugins.<id>.handlers.<name>.jobTypes`);
  },
};
