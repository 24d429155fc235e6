// A small fake of the sandbox seam for registry unit tests: the "bundle" is JSON saying what the
// plugin declares and how it behaves, so tests can hold invocations open, slow loads down, or fail
// them, deterministically and without isolates.
import type {
  PluginSandbox,
  SandboxDeath,
  SandboxFactory,
  SandboxInvokeRequest,
  SandboxInvokeResult,
  SandboxLoadSpec,
  SandboxStats,
} from '../../host/dist/sandbox/plugin-sandbox.js';

/** What a fake bundle (JSON) says. */
export interface FakeBundle {
  readonly handlers: ReadonlyArray<{ readonly name: string; readonly jobTypes: string }>;
  /** Milliseconds the load takes. */
  readonly loadMs?: number;
  /** The load fails with this message. */
  readonly throws?: string;
  /** Invocations stay open until the test calls `factory.finishHeld()`. */
  readonly hold?: boolean;
}

export class FakeSandbox implements PluginSandbox {
  disposed = false;
  version: string | null = null;
  invocations = 0;
  private hold = false;
  private readonly open = new Set<(r: SandboxInvokeResult) => void>();

  constructor(private readonly factory: FakeSandboxFactory) {}

  async load(spec: SandboxLoadSpec): Promise<{ handlers: FakeBundle['handlers'] }> {
    const bundle = JSON.parse(spec.bundleCode) as FakeBundle;
    this.version = spec.version;
    this.hold = bundle.hold === true;
    if (bundle.loadMs) await new Promise((r) => setTimeout(r, bundle.loadMs));
    if (bundle.throws) throw Object.assign(new Error(bundle.throws), { code: 'PLUGIN_BUNDLE_THREW' });
    return { handlers: bundle.handlers };
  }

  invoke(_request: SandboxInvokeRequest): Promise<SandboxInvokeResult> {
    if (this.disposed) return Promise.resolve({ outcome: 'crashed', error: { name: 'SandboxCrash', code: 'SANDBOX_DISPOSED', message: 'disposed' } });
    this.invocations++;
    if (!this.hold) return Promise.resolve({ outcome: 'succeeded' });
    return new Promise((resolve) => {
      const finish = (r: SandboxInvokeResult): void => {
        this.open.delete(finish);
        this.factory.held.delete(finish);
        resolve(r);
      };
      this.open.add(finish);
      this.factory.held.add(finish);
    });
  }

  stats(): Promise<SandboxStats> {
    return Promise.resolve({ heapUsedBytes: 0, heapLimitBytes: 0, cpuTimeMs: 0, inFlight: this.open.size });
  }

  onDeath(_listener: (death: SandboxDeath) => void): void {}

  dispose(): Promise<void> {
    this.disposed = true;
    for (const finish of [...this.open]) finish({ outcome: 'crashed', error: { name: 'SandboxCrash', code: 'SANDBOX_DISPOSED', message: 'unloaded while running' } });
    return Promise.resolve();
  }
}

export class FakeSandboxFactory implements SandboxFactory {
  readonly sandboxes: FakeSandbox[] = [];
  readonly held = new Set<(r: SandboxInvokeResult) => void>();

  create(): FakeSandbox {
    const sandbox = new FakeSandbox(this);
    this.sandboxes.push(sandbox);
    return sandbox;
  }

  /** Sandboxes not disposed yet. */
  live(): FakeSandbox[] {
    return this.sandboxes.filter((s) => !s.disposed);
  }

  /** Lets every held invocation finish successfully. */
  finishHeld(): void {
    for (const finish of [...this.held]) finish({ outcome: 'succeeded' });
  }

  async dispose(): Promise<void> {
    await Promise.all(this.sandboxes.map((s) => s.dispose()));
  }
}
