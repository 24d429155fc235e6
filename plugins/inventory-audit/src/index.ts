import {
  inject,
  jobCompleteHandler,
  JobCompleteContext,
  JobCompleteHandler,
  Logger,
  OrchestratorJobStatusJobResult,
  PluginOptions,
} from '@jobhook/sdk';

interface AuditOptions {
  /** Retries after which a failing inventory is reported as a failed handler run. */
  retryThreshold: number;
}

/**
 * Logs one summary line per inventory completion. Like Keyfactor's e-mail sample, it only reports
 * failure when the job failed and the platform has already retried it `retryThreshold` times.
 */
@jobCompleteHandler('InventoryAudit')
export class InventoryAudit implements JobCompleteHandler {
  readonly jobTypes = 'a809ce1f-1eea-4738-a38e-15708c89c981,5B2E7C61-0D1A-4F9E-9C3B-7E0F4A2D8B11';

  constructor(
    private readonly log: Logger,
    @inject(PluginOptions) private readonly options: AuditOptions,
  ) {}

  runHandler(context: JobCompleteContext): boolean {
    const result = OrchestratorJobStatusJobResult[context.jobResult] ?? String(context.jobResult);
    this.log.info('inventory completed', {
      agentId: context.agentId,
      clientMachine: context.clientMachine,
      jobType: context.jobType,
      result,
      retry: context.currentRetryCount,
    });
    if (context.jobResult === OrchestratorJobStatusJobResult.Failure && context.currentRetryCount >= this.options.retryThreshold) {
      this.log.error('inventory keeps failing after platform retries', { jobId: context.jobId, retries: context.currentRetryCount });
      return false;
    }
    return true;
  }
}
