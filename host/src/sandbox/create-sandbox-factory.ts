import type { SandboxConfig } from '../config.js';
import type { HostLogger } from '../logging/logger.js';
import type { SandboxFactory } from './plugin-sandbox.js';
import { ProcessSandboxFactory } from './process/process-sandbox-factory.js';

/**
 * The sandbox factory the admin's `sandbox.mode` asks for. The in-process factory is imported only
 * when chosen, so a host running process sandboxes never loads isolated-vm itself. `spareMemoryMb`:
 * the memory limit a plugin gets by default, which the isolate made ahead of each load has.
 */
export async function createSandboxFactory(config: SandboxConfig, logger: HostLogger, spareMemoryMb?: number): Promise<SandboxFactory> {
  // Each factory picks its limits out of `config` (sandboxLimits), once.
  if (config.mode === 'in-process') {
    const { IsolateSandboxFactory } = await import('./isolate/isolate-sandbox-factory.js');
    return new IsolateSandboxFactory(config, {
      spareMemoryMb,
      onCatastrophic: (message, plugin) =>
        logger.fatal({ plugin, reason: message }, "V8 lost control of a plugin's isolate; restart the host (or use sandbox.mode 'process', which replaces only the sandbox process)"),
    });
  }
  return new ProcessSandboxFactory({
    logger,
    processes: config.processes,
    dedicated: config.dedicated,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    processMemoryMb: config.processMemoryMb,
    processHardMemoryMb: config.processHardMemoryMb,
    limits: config,
    spareMemoryMb,
  });
}
