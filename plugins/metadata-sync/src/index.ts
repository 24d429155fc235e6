import {
  CertStoreOperationType,
  HTTPError,
  inject,
  jobCompleteHandler,
  JobCompleteContext,
  JobCompleteHandler,
  Logger,
  OrchestratorJobStatusJobResult,
  PluginOptions,
} from '@jobhook/sdk';

/** Names of the certificate metadata fields the plugin writes (they must exist on the platform). */
interface SyncOptions {
  fields: { jobId: string; result: string; completedAt: string; agent: string };
}

/** The part of a `GET OrchestratorJobs/JobHistory` entry the plugin reads. */
interface JobHistoryEntry {
  JobHistoryId: number;
  JobID: string;
  Result: number;
  OperationEnd: string | null;
  AgentMachine: string | null;
}

const MANAGEMENT_ADD = new Set<CertStoreOperationType>([CertStoreOperationType.Add, CertStoreOperationType.CreateAdd]);

/** True for the completions that put a (new) certificate in a store: management Add, re-enrollment. */
function placesCertificate(context: JobCompleteContext): boolean {
  if (MANAGEMENT_ADD.has(context.operationType) || context.operationType === CertStoreOperationType.Reenrollment) return true;
  // Keyfactor reports re-enrollment jobs with OperationType Unknown; the job type says what they are.
  return context.operationType === CertStoreOperationType.Unknown && /Reenrollment$/i.test(context.jobType);
}

/**
 * Records each certificate add or re-enrollment in the certificate's metadata: which job, its result,
 * when it ended and on which agent, read from the job's history entry. Returns false when the
 * platform refuses a call (4xx/5xx), so the failure shows in the handler's outcome.
 */
@jobCompleteHandler('MetadataSync')
export class MetadataSync implements JobCompleteHandler {
  readonly jobTypes = '3f2d8a41-7c55-4b0e-a1d2-95c4e6b7f802,9e41c0d7-2b6a-4d13-8f5e-0c7a3b9d1e64,c4e0b8a2-5d1f-4e7a-9b3c-2f6d8e0a1b57';

  constructor(
    private readonly log: Logger,
    @inject(PluginOptions) private readonly options: SyncOptions,
  ) {}

  async runHandler(context: JobCompleteContext): Promise<boolean> {
    if (context.certificateId === null || !placesCertificate(context)) {
      this.log.debug('not a certificate add or re-enrollment; nothing to record', { operationType: context.operationType, jobType: context.jobType });
      return true;
    }
    try {
      const history = await context.client
        .get('OrchestratorJobs/JobHistory', { searchParams: { 'pq.queryString': `JobID -eq "${context.jobId}"` } })
        .json<JobHistoryEntry[]>();
      // A recurring job has one entry per run; the latest run is the one that just completed.
      const entry = [...(Array.isArray(history) ? history : [])].sort((a, b) => b.JobHistoryId - a.JobHistoryId)[0];
      const result = entry?.Result ?? context.jobResult;
      const { fields } = this.options;
      const metadata: Record<string, string> = {
        [fields.jobId]: context.jobId,
        [fields.result]: OrchestratorJobStatusJobResult[result] ?? String(result),
      };
      const completedAt = entry?.OperationEnd;
      const agent = entry?.AgentMachine ?? context.clientMachine;
      if (completedAt) metadata[fields.completedAt] = completedAt;
      if (agent) metadata[fields.agent] = agent;
      await context.client.put('Certificates/Metadata', { json: { Id: context.certificateId, Metadata: metadata } });
      this.log.info('certificate metadata updated', { certificateId: context.certificateId, historyFound: entry !== undefined, metadata });
      return true;
    } catch (e) {
      if (!(e instanceof HTTPError)) throw e;
      const detail = (await e.response.text().catch(() => '')).slice(0, 500);
      this.log.error('the platform refused a metadata-sync call', { certificateId: context.certificateId, status: e.response.status, url: e.request.url, detail });
      return false;
    }
  }
}
