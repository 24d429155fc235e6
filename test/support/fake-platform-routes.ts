// The Keyfactor Command routes of the host tests' fake platform, as the SDK fake's routes table:
// the calls real handlers make, over the fake's job history and certificates, and the routes that
// misbehave on purpose but fit a plain reply.
import { randomUUID } from 'node:crypto';
import type { PlatformReply, PlatformRouteRequest, PlatformRoutes } from '@jobhook/sdk/testing';
import type { FakeCertificate, JobHistoryEntry } from './fake-platform.js';

const JOB_ID_QUERY = /JobID\s+-eq\s+"([^"]+)"/i;

/** Keyfactor's error body, as its API answers a failed call. */
export const keyfactorError = (status: number, message: string): PlatformReply => ({ status, json: { ErrorCode: '0xA0110002', Message: message } });

function jsonObject(req: PlatformRouteRequest): Record<string, unknown> | undefined {
  const v = req.json;
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The calls real handlers make, over the fake's job history and certificates. */
export function keyfactorRoutes(history: JobHistoryEntry[], certificates: Map<number, FakeCertificate>): PlatformRoutes {
  return {
    'GET OrchestratorJobs/JobHistory': (req) => {
      const wanted = JOB_ID_QUERY.exec(req.query['pq.queryString'] ?? '')?.[1]?.toLowerCase();
      return { json: wanted === undefined ? history : history.filter((h) => h.JobID.toLowerCase() === wanted) };
    },
    'PUT Certificates/Metadata': (req) => {
      const body = jsonObject(req);
      const id = body?.Id;
      const metadata = body?.Metadata;
      if (typeof id !== 'number' || typeof metadata !== 'object' || metadata === null) return keyfactorError(400, 'Body must be { "Id": <int>, "Metadata": { … } }');
      const cert = certificates.get(id);
      if (!cert) return keyfactorError(404, `Certificate ID ${id} was not found`);
      for (const [k, v] of Object.entries(metadata)) cert.Metadata[k] = String(v);
      return { status: 204 };
    },
    'GET Certificates/*': (req) => {
      const id = /^Certificates\/(\d+)$/.exec(req.path)?.[1];
      if (id === undefined) return keyfactorError(404, `No route for GET ${req.path}`);
      const cert = certificates.get(Number(id));
      return cert ? { json: cert } : keyfactorError(404, `Certificate ID ${id} was not found`);
    },
    'POST Workflow/Instances/*/Signals': (req) => {
      if (!/^Workflow\/Instances\/[0-9a-fA-F-]{36}\/Signals$/.test(req.path)) return keyfactorError(404, `No route for POST ${req.path}`);
      return typeof jsonObject(req)?.SignalKey === 'string' ? { status: 204 } : keyfactorError(400, 'SignalKey is required');
    },
    'POST OrchestratorJobs/Custom': (req) => {
      const body = jsonObject(req);
      if (typeof body?.JobTypeName !== 'string' && typeof body?.JobType !== 'string') return keyfactorError(400, 'JobTypeName is required');
      return { json: { JobId: randomUUID(), ...body } };
    },
    '* Test/Redirect': (req) => ({ status: Number(req.query.status ?? 302), headers: { location: req.query.to ?? '/' } }),
    // A hostile server: everything the host sent comes back, in headers and in the body.
    '* Test/EchoHeaders': (req) => {
      const echoed: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) echoed[`x-echo-${k}`] = v;
      return { json: { headers: req.headers }, headers: { ...echoed, 'set-cookie': `session=${req.headers.authorization ?? 'none'}` } };
    },
    '* Test/Status/*': (req) => {
      const status = /^Test\/Status\/(\d{3})$/.exec(req.path)?.[1];
      return status === undefined ? keyfactorError(404, `No route for ${req.method} ${req.path}`) : keyfactorError(Number(status), `status ${status} as requested`);
    },
    '* Test/Empty': (req) => ({ status: Number(req.query.status ?? 200) }),
    '* **': (req) => keyfactorError(404, `No route for ${req.method} ${req.path}`),
  };
}
