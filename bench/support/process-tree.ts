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
