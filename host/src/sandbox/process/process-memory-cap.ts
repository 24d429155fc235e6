import { existsSync } from 'node:fs';
import type { MemoryEnforcement } from '../plugin-sandbox.js';

/** How one sandbox process's memory is bounded by the kernel, for logs and `/readyz`. */
export type KernelMemoryCap = MemoryEnforcement['kernel'];

/** What the SDK runtime does in every isolate before plugin code runs (sdk/src/runtime/memory-bounds.ts). */
export const IN_ISOLATE_MEMORY_BOUNDS: readonly string[] = ['WebAssembly removed', 'SharedArrayBuffer removed', 'resizable ArrayBuffer maxByteLength capped'];

const PRLIMIT_PATHS = ['/usr/bin/prlimit', '/bin/prlimit', '/usr/sbin/prlimit'];

/**
 * Where the kernel can hold a sandbox process to a memory total. RLIMIT_DATA counts the writable
 * private memory a process has committed (heap, WebAssembly memories and array buffers once
 * touched or made writable), not V8's PROT_NONE reservations, so V8 runs under it and an allocation
 * past it fails (a RangeError in the isolate, or V8's fatal OOM) instead of growing the machine's
 * use. RLIMIT_AS is unusable: V8 and WebAssembly reserve gigabytes of address space up front. Each
 * sandbox process is started through util-linux `prlimit`; without it (not Linux, no util-linux)
 * only the host's resident-memory watch applies.
 */
export function kernelMemoryCap(limitMb: number): { cap: KernelMemoryCap; prlimit: string | null; reason: string | null } {
  if (limitMb <= 0) return { cap: 'none', prlimit: null, reason: 'sandbox.processHardMemoryMb is 0' };
  if (process.platform !== 'linux') return { cap: 'none', prlimit: null, reason: `RLIMIT_DATA is used on Linux only (this is ${process.platform})` };
  const prlimit = PRLIMIT_PATHS.find((p) => existsSync(p)) ?? null;
  if (!prlimit) return { cap: 'none', prlimit: null, reason: 'util-linux prlimit is not installed' };
  return { cap: 'rlimit-data', prlimit, reason: null };
}
