import { readFile, stat } from 'node:fs/promises';
import type { CommandInput } from '@jobhook/sdk/command-line';
import { packPluginFolder, readPackageArchive } from '../cluster/plugin-archive.js';
import { cliErrorText } from './cli-config.js';
import type { DEPLOY_FLAGS } from './command-table.js';



interface Target {
  readonly url: string;
  readonly token: string | null;
}

async function target(values: { url?: string; 'token-file'?: string }, env: NodeJS.ProcessEnv): Promise<Target> {
  const url = (values.url ?? env.JOBHOOK_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = values['token-file'] ? (await readFile(values['token-file'], 'utf8')).trim() : (env.JOBHOOK_TOKEN ?? null);
  return { url, token };
}

async function call(t: Target, method: string, path: string, body?: Buffer): Promise<{ status: number; json: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...(t.token ? { authorization: `Bearer ${t.token}` } : {}), ...(body ? { 'content-type': 'application/gzip' } : {}) },
      ...(body ? { body } : {}),
    });
  } catch (e) {
    throw new Error(`cannot reach the host at ${t.url} (${(e as { cause?: Error }).cause?.message ?? (e as Error).message}); is jobhook serve running there? (--url)`);
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { error: { code: 'HTTP_ERROR', message: text.slice(0, 300) } };
  }
  return { status: res.status, json };
}

function failure(json: Record<string, unknown>, status: number): string {
  const error = json.error as { code?: string; message?: string; problems?: Array<{ pointer: string; message: string }> } | undefined;
  const problems = error?.problems?.map((p) => `\n  ${p.pointer || '/'}: ${p.message}`).join('') ?? '';
  return `${error?.code ?? `HTTP ${status}`}: ${error?.message ?? 'the host refused'}${problems}`;
}

/**
 * `jobhook deploy <folder|package.tgz>`: sends a plugin package to a host, which stores it for every
 * host sharing its store; each installs it into its plugins folder. A folder is packed first
 * (plugin.json and its bundle).
 */
export async function deployCommand({ values, positionals, io, path: name }: CommandInput<typeof DEPLOY_FLAGS>, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { stdout: out, stderr: err } = io;
  try {
    const source = positionals[0]!;
    let tgz: Buffer;
    let id: string;
    if ((await stat(source)).isDirectory()) {
      ({ tgz, id } = await packPluginFolder(source));
    } else {
      tgz = await readFile(source);
      const manifest = JSON.parse((await readPackageArchive(tgz)).get('plugin.json')!.toString('utf8')) as { id?: unknown };
      if (typeof manifest.id !== 'string') throw new Error(`${source}: plugin.json has no "id"`);
      id = manifest.id;
    }
    const t = await target(values, env);
    const { status, json } = await call(t, 'PUT', `/v1/plugins/${encodeURIComponent(id)}`, tgz);
    if (status !== 201) {
      err.write(`${name}: ${failure(json, status)}\n`);
      return 1;
    }
    const d = json.deployment as { version: string; sha256: string };
    out.write(`deployed ${id} ${d.version} (sha256 ${d.sha256.slice(0, 12)}…) through ${t.url}; every host installs it within seconds (GET /v1/cluster shows them)\n`);
    return 0;
  } catch (e) {
    err.write(`${name}: ${cliErrorText(e)}\n`);
    return 2;
  }
}

/** `jobhook undeploy <plugin-id>`: removes a deployed plugin from every host. */
export async function undeployCommand({ values, positionals, io, path: name }: CommandInput<typeof DEPLOY_FLAGS>, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { stdout: out, stderr: err } = io;
  try {
    const id = positionals[0]!;
    const t = await target(values, env);
    const { status, json } = await call(t, 'DELETE', `/v1/plugins/${encodeURIComponent(id)}`);
    if (status !== 200) {
      err.write(`${name}: ${failure(json, status)}\n`);
      return 1;
    }
    out.write(`undeployed ${id}; every host removes it from its plugins folder\n`);
    return 0;
  } catch (e) {
    err.write(`${name}: ${cliErrorText(e)}\n`);
    return 2;
  }
}
