/**
 * @module bench/lib/report
 * The result table (scenario, figure, peer figure, ratio, target, met?) as plain text for the terminal and as
 * Markdown for `docs/benchmarks.md`, plus the machine description printed with it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** One line of the table. */
export interface Row {
  readonly scenario: string;
  /** What is measured, and our figure, e.g. `rc-authflow (embedded): 6,100 req/s`. */
  readonly figure: string;
  /** The peer compared with, and its figure (`—` when there is none). */
  readonly peer: string;
  readonly ratio: string;
  readonly target: string;
  /** `true`/`false` for a target, `undefined` for an informative row. */
  readonly met: boolean | undefined;
}

/** What a scenario hands back. */
export interface ScenarioResult {
  readonly name: string;
  readonly rows: readonly Row[];
  /** Markdown lines with the details (rounds, raw figures, conditions). */
  readonly details: readonly string[];
}

/** A row that failed to run at all (the scenario threw). */
export function failedRow(scenario: string, error: unknown): Row {
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return { scenario, figure: `failed: ${message}`, peer: '—', ratio: '—', target: '—', met: false };
}

function metText(met: boolean | undefined): string {
  if (met === undefined) return '—';
  return met ? 'yes' : 'NO';
}

const COLUMNS = ['scenario', 'figure', 'peer figure', 'ratio', 'target', 'met?'] as const;

function cells(row: Row): string[] {
  return [row.scenario, row.figure, row.peer, row.ratio, row.target, metText(row.met)];
}

/** The table as aligned plain text. */
export function formatText(rows: readonly Row[]): string {
  const all = [[...COLUMNS], ...rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(all[0] as string[]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The table as Markdown. */
export function formatMarkdown(rows: readonly Row[]): string {
  return [
    `| ${COLUMNS.join(' | ')} |`,
    `| ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${cells(row).map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

/** The machine, as printed above the table. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly date: string;
  readonly commit: string;
}

/** Describes this machine and checkout. */
export function describeMachine(root: string): MachineInfo {
  let os = `${process.platform} ${process.arch}`;
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    os = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(release)?.[1] ?? os;
  } catch {
    // not Linux, or no os-release
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    if (dirty !== '') commit += ' (with uncommitted changes)';
  } catch {
    // not a git checkout
  }
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os,
    node: process.version,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit,
  };
}

/** `1.23 0.98 0.77` (1, 5, 15 minutes). */
export function loadAverage(): string {
  return loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
}
