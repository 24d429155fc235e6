// The contract between a bench script and bench/run.ts (documented in bench/README.md): a script
// prints a readable table, then, as its LAST line on stdout, one JSON object `BenchSummary`.

/** One measured figure, compared with the floor measured in the same run. */
export interface BenchRow {
  /** What was measured, e.g. `serial p50, 10 plugins`. */
  readonly metric: string;
  readonly value: number;
  /** `ms`, `events/s`, `MB`, … */
  readonly unit: string;
  /** The floor it is compared with, measured in the same process and run; null when there is none. */
  readonly baseline: { readonly label: string; readonly value: number } | null;
  /** value ÷ baseline.value (so > 1 means slower/bigger than the floor for times and sizes). */
  readonly ratio: number | null;
  /** The goal in words, e.g. `≤ 2× floor` or `≥ 20000 events/s`; null for an informative row. */
  readonly goal: string | null;
  /** Whether the goal is met; null when the row has no goal. */
  readonly met: boolean | null;
}

/** The last stdout line of every bench script. */
export interface BenchSummary {
  readonly bench: string;
  readonly quick: boolean;
  readonly rows: readonly BenchRow[];
}

/** A row from a value, an optional floor and an optional goal predicate over (value, ratio). */
export function row(
  metric: string,
  value: number,
  unit: string,
  baseline: { label: string; value: number } | null = null,
  goal: { text: string; met: (value: number, ratio: number | null) => boolean } | null = null,
): BenchRow {
  const ratio = baseline && baseline.value > 0 ? value / baseline.value : null;
  return { metric, value, unit, baseline, ratio, goal: goal?.text ?? null, met: goal ? goal.met(value, ratio) : null };
}

/** A figure with a sensible number of digits for its size. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

const metText = (met: boolean | null): string => (met === null ? '' : met ? 'yes' : 'NO');

/** A plain-text table with a header; columns padded to their widest cell. */
export function formatTable(header: readonly string[], cells: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** The cells of one row, as both a script's own table and the runner's table show them. */
export function rowCells(bench: string, r: BenchRow): string[] {
  return [
    bench,
    r.metric,
    `${formatNumber(r.value)} ${r.unit}`,
    r.baseline ? `${formatNumber(r.baseline.value)} (${r.baseline.label})` : '',
    r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`,
    r.goal ?? '',
    metText(r.met),
  ];
}

export const TABLE_HEADER = ['bench', 'metric', 'value', 'baseline (floor)', 'ratio', 'goal', 'met?'] as const;

/** Prints the script's table, then the summary as the last stdout line (the runner reads it). */
export function emitSummary(summary: BenchSummary): void {
  process.stdout.write(`${formatTable(TABLE_HEADER, summary.rows.map((r) => rowCells(summary.bench, r)))}\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

/** Reads the contract's last stdout line; null when it is missing or malformed. */
export function parseSummary(stdout: string): BenchSummary | null {
  const last = stdout.trimEnd().split('\n').pop() ?? '';
  try {
    const s = JSON.parse(last) as BenchSummary;
    const ok =
      typeof s?.bench === 'string' &&
      Array.isArray(s.rows) &&
      s.rows.every((r) => typeof r?.metric === 'string' && typeof r.value === 'number' && typeof r.unit === 'string');
    return ok ? s : null;
  } catch {
    return null;
  }
}

/** True when the script was started with --quick (CI smoke mode: tiny counts, no meaning in the figures). */
export function isQuick(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--quick');
}
