import {
  CertStoreOperationType,
  inject,
  injectable,
  jobCompleteHandler,
  JobCompleteContext,
  JobCompleteHandler,
  Logger,
  OrchestratorJobStatusJobResult,
  PluginOptions,
} from '@jobhook/sdk';

interface NotifyOptions {
  channel: string;
  mention: string;
  notifyOnFailureOnly: boolean;
}

/** A notification ready to send. */
export interface Notification {
  channel: string;
  text: string;
}

/** Level 2: turns a job into words, using the plugin's options. */
@injectable()
export class MessageFormatter {
  constructor(@inject(PluginOptions) private readonly options: NotifyOptions) {}

  format(context: JobCompleteContext): string {
    const op = CertStoreOperationType[context.operationType] ?? 'Unknown';
    const result = OrchestratorJobStatusJobResult[context.jobResult] ?? 'Unknown';
    return `${this.options.mention} certificate ${context.certificateId ?? '(none)'}: ${op} on ${context.clientMachine ?? 'unknown machine'} finished ${result} (job ${context.jobId}, retry ${context.currentRetryCount})`;
  }
}

/** Level 1: decides where a notification goes and builds it. */
@injectable()
export class ChangeNotifier {
  constructor(
    private readonly formatter: MessageFormatter,
    @inject(PluginOptions) private readonly options: NotifyOptions,
  ) {}

  compose(context: JobCompleteContext): Notification | null {
    if (this.options.notifyOnFailureOnly && context.jobResult !== OrchestratorJobStatusJobResult.Failure) return null;
    return { channel: this.options.channel, text: this.formatter.format(context) };
  }
}

/** Handler: notifies on certificate add/remove completions. */
@jobCompleteHandler('OwnerNotify')
export class OwnerNotify implements JobCompleteHandler {
  readonly jobTypes = '3f2d8a41-7c55-4b0e-a1d2-95c4e6b7f802,9e41c0d7-2b6a-4d13-8f5e-0c7a3b9d1e64';

  constructor(
    private readonly notifier: ChangeNotifier,
    private readonly log: Logger,
  ) {}

  async runHandler(context: JobCompleteContext): Promise<boolean> {
    if (context.operationType !== CertStoreOperationType.Add && context.operationType !== CertStoreOperationType.Remove) {
      this.log.debug('not a certificate add/remove; nothing to notify', { operationType: context.operationType });
      return true;
    }
    const notification = this.notifier.compose(context);
    if (notification !== null) this.log.info('owner notification', { channel: notification.channel, text: notification.text });
    return true;
  }
}
