import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sdkVersion } from '../pack/sdk-version.js';
import { scaffoldFiles } from './templates.js';

/** Why `init` refused; `code` is stable. */
export class PluginInitError extends Error {
  override readonly name = 'PluginInitError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Choices for a new plugin package. */
export interface InitOptions {
  /** Human-readable name; default: the folder name. */
  readonly name?: string;
  /** Plugin id (words of `[a-z0-9]` joined by single `.` or `-`); default: derived from the name. */
  readonly id?: string;
  /** Job-type GUIDs the handler runs for; default: PEM inventory. */
  readonly jobTypes?: readonly string[];
}

/** What `init` wrote. */
export interface InitResult {
  readonly dir: string;
  readonly id: string;
  readonly files: readonly string[];
  /** True when no job types were given and the PEM inventory GUID was used. */
  readonly defaultJobTypes: boolean;
}

/** Keyfactor's fixed job-type GUID of PEM inventory, a placeholder until the author picks theirs. */
export const PEM_INVENTORY_JOB_TYPE = 'a809ce1f-1eea-4738-a38e-15708c89c981';

const GUID = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
const ID = /^[a-z0-9]+([.-][a-z0-9]+)*$/;

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/[.-]{2,}/g, (run) => run[0]!)
    .replace(/^[^a-z0-9]+/, '')
    .replace(/[^a-z0-9]+$/, '');
}

/** Existing entries that do not stop a scaffold (a fresh `git init`). */
const HARMLESS = new Set(['.git']);

/** Writes a complete, tested plugin package into `dir` (which must be empty or absent). */
export async function initPlugin(dir: string, options: InitOptions = {}): Promise<InitResult> {
  const target = path.resolve(dir);
  const name = options.name?.trim() || path.basename(target);
  const id = options.id ?? slug(name);
  if (!ID.test(id) || id.length > 128) {
    throw new PluginInitError('INIT_BAD_ID', `'${id}' is not a valid plugin id: lower-case letters and digits in words joined by single dots or dashes, starting and ending with a letter or digit (pass --id, e.g. --id acme.metadata-sync)`);
  }
  const jobTypes = (options.jobTypes ?? []).map((g) => g.trim()).filter((g) => g.length > 0);
  const bad = jobTypes.filter((g) => !GUID.test(g));
  if (bad.length > 0) {
    throw new PluginInitError('INIT_BAD_JOB_TYPE', `not a job-type GUID: ${bad.join(', ')} (expected e.g. ${PEM_INVENTORY_JOB_TYPE}; see GET /KeyfactorAPI/CertificateStoreTypes/Name/{shortName})`);
  }
  let existing: string[] = [];
  try {
    existing = (await readdir(target)).filter((e) => !HARMLESS.has(e));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (existing.length > 0) {
    throw new PluginInitError('INIT_NOT_EMPTY', `${target} is not empty (${existing.slice(0, 5).join(', ')}${existing.length > 5 ? ', …' : ''}): init writes a new package into an empty or new folder`);
  }
  const files = scaffoldFiles({
    id,
    name,
    packageName: id,
    jobTypes: jobTypes.length > 0 ? [...new Set(jobTypes)] : [PEM_INVENTORY_JOB_TYPE],
    sdkVersion: sdkVersion(),
  });
  for (const [rel, content] of files) {
    const file = path.join(target, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content, { flag: 'wx' });
  }
  return { dir: target, id, files: [...files.keys()], defaultJobTypes: jobTypes.length === 0 };
}
