import {
  CertStoreOperationType,
  HTTPError,
  inject,
  jobCompleteHandler,
  JobCompleteContext,
  JobCompleteHandler,
  jobHistoryQuery,
  JobHistoryEntry,
  Logger,
  OrchestratorJobStatusJobResult,
  parseJobResult,
  parsePlatformTimestamp,
  PlatformZone,
  PluginOptions,
  JobTypes,
} from '@jobhook/sdk';

/** The handler's settings (plugin.json `config`, overridden by the admin's `plugins.<id>.options`). */
interface SampleOptions {
  /** The sample's demonstration parameter, logged on every run. */
  favoriteAnimal: string;
  /** Alert once this many most recent runs of the job all failed. */
  failureThreshold: number;
  /** The relay's endpoint; the host adds its credentials (plugins.<id>.credentials). */
  alertUrl: string;
  /** Command writes OperationStart without a zone, in the server's time: say which. */
  serverZone: PlatformZone;
}

/** A compact, log-friendly copy of the context (the sample's ParseContext). */
function describeContext(context: JobCompleteContext): Record<string, unknown> {
  const { client: _client, ...fields } = context;
  return { ...fields, jobResult: OrchestratorJobStatusJobResult[context.jobResult], operationType: CertStoreOperationType[context.operationType] };
}

/**
 * Inventory: reads the job's history from the platform (as the sample does) and, when the last
 * `failureThreshold` runs all failed, posts one alert to the relay — the "corrective action" the
 * sample suggests. Returns false when the platform or the relay refuses.
 */
@jobCompleteHandler('WinCertInventory')
export class WinCertInventoryHandler implements JobCompleteHandler {
  constructor(
    @inject(Logger) private readonly log: Logger,
    @inject(PluginOptions) private readonly options: SampleOptions,
    @inject(JobTypes) private readonly types: JobTypes,
  ) {}

  async runHandler(context: JobCompleteContext): Promise<boolean> {
    this.log.debug(`entering the inventory handler; favorite animal: ${this.options.favoriteAnimal}`, { context: describeContext(context), jobTypes: this.types.ids });
    let history: JobHistoryEntry[];
    try {
      history = await context.client.get('OrchestratorJobs/JobHistory', { searchParams: jobHistoryQuery(context.jobId) }).json<JobHistoryEntry[]>();
    } catch (e) {
      if (e instanceof HTTPError) {
        this.log.error('could not query the job history', { status: e.response.status });
        return false;
      }
      throw e;
    }
    const runs = history
      .map((h) => ({ id: h.JobHistoryId, result: parseJobResult(h.Result), started: parsePlatformTimestamp(h.OperationStart, { zone: this.options.serverZone }), message: h.Message }))
      .sort((a, b) => b.id - a.id);
    const recent = runs.slice(0, this.options.failureThreshold);
    const failing = recent.length >= this.options.failureThreshold && recent.every((r) => r.result === OrchestratorJobStatusJobResult.Failure);
    this.log.info(`job ${context.jobId} has ${runs.length} history entries; the last ${recent.length} ${failing ? 'all failed' : 'did not all fail'}`);
    if (!failing) return true;
    const alert = {
      title: `${context.jobType} on ${context.clientMachine ?? 'unknown orchestrator'} failed ${recent.length} times in a row`,
      jobId: context.jobId,
      agentId: context.agentId,
      runs: recent.map((r) => ({ historyId: r.id, startedAt: r.started?.toISOString() ?? null, message: r.message })),
    };
    try {
      await context.client.post(this.options.alertUrl, { json: alert });
    } catch (e) {
      if (e instanceof HTTPError) {
        this.log.error('the relay refused the alert', { status: e.response.status });
        return false;
      }
      throw e;
    }
    this.log.warn('alert sent', { runs: recent.length });
    return true;
  }
}

/** Management: logs whether a certificate was added or removed (the sample's ManagementHandler). */
@jobCompleteHandler('WinCertManagement')
export class WinCertManagementHandler implements JobCompleteHandler {
  constructor(@inject(Logger) private readonly log: Logger) {}

  runHandler(context: JobCompleteContext): boolean {
    const op = context.operationType;
    const what = op === CertStoreOperationType.Add ? 'an Add' : op === CertStoreOperationType.Remove ? 'a Remove' : `operation type ${CertStoreOperationType[op] ?? op}`;
    this.log.info(`management job ${context.jobId} processed ${what} for certificate ${context.certificateId ?? '(none)'}`);
    return true;
  }
}

/** Re-enrollment: logs the re-enrolled certificate (the sample's ReenrollmentHandler). */
@jobCompleteHandler('WinCertReenrollment')
export class WinCertReenrollmentHandler implements JobCompleteHandler {
  constructor(@inject(Logger) private readonly log: Logger) {}

  runHandler(context: JobCompleteContext): boolean {
    this.log.info(`re-enrollment job ${context.jobId} completed with ${OrchestratorJobStatusJobResult[context.jobResult]} for certificate ${context.certificateId ?? '(none)'}`);
    return true;
  }
}
