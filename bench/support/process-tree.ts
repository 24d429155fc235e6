// Resident memory of this process and every descendant (sandbox processes count toward the host).
import { readdirSync, readFileSync } from 'node:fs';

const PAGE = 4096;

function statOf(pid: number): { ppid: number; rssBytes: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), rssBytes: Number(fields[21]) * PAGE };
  } catch {
    return null;
  }
}

/** RSS in bytes of `root` and its descendants (Linux /proc; falls back to this process's RSS elsewhere). */
export function treeRssBytes(root: number = process.pid): number {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return process.memoryUsage().rss;
  }
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const pid of pids) {
    const s = statOf(pid);
    if (!s) continue;
    rss.set(pid, s.rssBytes);
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/**
 * CPU time in ms used so far by `root` and its live descendants, plus what their exited children
 * used (Linux /proc, 100 ticks per second); 0 where /proc is missing.
 */
export function treeCpuMs(root: number): number {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return 0;
  }
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, cutime, cstime: fields 14–17 of proc(5), here from field 3 on.
      ticks.set(pid, Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
      const list = children.get(Number(f[1])) ?? [];
      list.push(pid);
      children.set(Number(f[1]), list);
    } catch {
      // Gone since the listing.
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += ticks.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total * 10;
}
