import { readFileSync } from 'node:fs';

/**
 * The writable private memory this process has committed (`VmData`), which is what the kernel's
 * data limit (RLIMIT_DATA) counts: V8's heap, array buffers and ICU's mallocs, not V8's reservations.
 * Null where the kernel does not report it (not Linux).
 */
export function committedDataBytes(): number | null {
  try {
    const kb = /^VmData:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

/**
 * When this process is close to its kernel data limit (RLIMIT_DATA), a description of it: an
 * allocation V8 reports as catastrophic then failed at the process's hard memory total, not at the
 * isolate's own limit. Null elsewhere (no limit, not Linux, or well below it).
 */
export function nearDataLimit(): string | null {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max data size\s+(\d+)/m.exec(limits)?.[1];
    if (soft === undefined) return null;
    const used = committedDataBytes();
    if (used === null) return null;
    const limit = Number(soft);
    // Within the last eighth: the failed allocation itself can be a large part of what remains.
    if (used < limit * 0.875) return null;
    return `${Math.round(used / 1048576)} MiB committed of the process's ${Math.round(limit / 1048576)} MiB kernel data limit`;
  } catch {
    return null;
  }
}
