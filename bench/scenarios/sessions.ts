/**
 * @module bench/scenarios/sessions
 * `sessions`: 100,000 stored sessions in the embedded store. Runs `sessions-child.ts` (the app's module graph and
 * session layer, with the Node flags `npm start` uses) pinned to the server core, and turns its figures into rows:
 * RSS growth from 1,000 to 100,000 stored sessions under the same traffic (target ≤ 50 MB), and store lookup
 * latency at both sizes (target: O(1), i.e. the p50 at 100× the sessions within 2× of the p50 at 1,000).
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { startChild } from '../lib/child.js';
import type { BenchContext } from '../lib/context.js';
import type { Row, ScenarioResult } from '../lib/report.js';
import { npmStartCommand } from '../lib/servers.js';
import { formatMb, formatNumber } from '../lib/stats.js';

const TARGET_GROWTH_BYTES = 50 * 2 ** 20;
/** "O(1)": a lookup among 100× the sessions is at most this many times slower (p50). */
const MAX_LOOKUP_RATIO = 2;
const CHILD_TIMEOUT_MS = 240_000;

interface MemoryReading {
  readonly rss: number;
  readonly rssAnon: number;
  readonly rssFile: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
}

/** A reading after a full GC, with the one taken just before it. */
interface Memory extends MemoryReading {
  readonly sessions: number;
  readonly asFound: MemoryReading;
}

interface Lookups {
  readonly storeGetP50Us: number;
  readonly storeGetP99Us: number;
  readonly loadP50Us: number;
  readonly loadP99Us: number;
}

interface ChildResult {
  readonly small: Memory & Lookups;
  readonly large: Memory & Lookups;
  readonly afterColdReads: Memory;
  readonly createSeconds: number;
  readonly created: number;
  readonly seconds: number;
  readonly lookups: number;
  readonly traffic: number;
  readonly active: number;
  readonly cacheSize: number;
}

const us = (value: number): string => `${formatNumber(value, value < 10 ? 1 : 0)} µs`;

/** Runs the scenario. */
export async function runSessionsScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const dataDir = join(ctx.workDir, 'sessions-data');
  mkdirSync(dataDir, { recursive: true });
  const { command, args } = npmStartCommand(ctx.root);
  // The RSS figures are read after a full GC at both sizes (`--expose-gc`; the reading before it is reported too).
  // The Node flags of `npm start` (everything before the script), so the measured process runs like the app.
  const scriptIndex = args.findIndex((a) => a.endsWith('.ts') || a.endsWith('.js') || a.endsWith('.mjs'));
  const nodeFlags = args.slice(0, scriptIndex).filter((a) => a !== '--import' && a !== 'tsx');
  const child = startChild({
    name: 'sessions-child',
    command,
    args: [...nodeFlags, '--expose-gc', '--import', 'tsx', 'bench/scenarios/sessions-child.ts'],
    cwd: ctx.root,
    env: {
      ...process.env,
      SESSIONS_DATA_DIR: dataDir,
      ...(ctx.quick ? { SESSIONS_LARGE: '20000', SESSIONS_TRAFFIC: '5000', SESSIONS_SETTLE_MS: '1000' } : {}),
    },
    logDir: ctx.workDir,
    ...(ctx.cpus.server === undefined ? {} : { cpus: ctx.cpus.server }),
  });
  ctx.onCleanup(() => child.stop());
  ctx.log('sessions: creating sessions in the embedded store (child process)');
  const match = await child.waitForOutput(/^RESULT (.*)$/m, CHILD_TIMEOUT_MS);
  const r = JSON.parse(match[1] as string) as ChildResult;
  const growth = r.large.rss - r.small.rss;
  const growthAnon = r.large.rssAnon - r.small.rssAnon;
  const growthFile = r.large.rssFile - r.small.rssFile;
  const coldGrowth = r.afterColdReads.rss - r.large.rss;
  const lookupRatio = r.large.storeGetP50Us / r.small.storeGetP50Us;
  const n = formatNumber(r.large.sessions);
  ctx.log(
    `sessions: RSS ${formatMb(r.small.rss)} at ${formatNumber(r.small.sessions)} → ${formatMb(r.large.rss)} at ${n}; store get p50 ${us(r.small.storeGetP50Us)} → ${us(r.large.storeGetP50Us)}`,
  );

  const rows: Row[] = [
    {
      scenario: 'sessions',
      figure: `RSS growth, ${formatNumber(r.small.sessions)} → ${n} stored (embedded): ${formatMb(growth)} (private ${formatMb(growthAnon)}, mapped files ${formatMb(growthFile)})`,
      peer: `RSS at ${formatNumber(r.small.sessions)}: ${formatMb(r.small.rss)}`,
      ratio: '—',
      target: '≤ 50 MB',
      met: growth <= TARGET_GROWTH_BYTES,
    },
    {
      scenario: 'sessions',
      figure: `store lookup at ${n}: p50 ${us(r.large.storeGetP50Us)}, p99 ${us(r.large.storeGetP99Us)}`,
      peer: `at ${formatNumber(r.small.sessions)}: p50 ${us(r.small.storeGetP50Us)}, p99 ${us(r.small.storeGetP99Us)}`,
      ratio: `${formatNumber(lookupRatio, 2)}×`,
      target: `O(1): p50 ≤ ${MAX_LOOKUP_RATIO}×`,
      met: lookupRatio <= MAX_LOOKUP_RATIO,
    },
    {
      scenario: 'sessions',
      figure: `RSS after ${formatNumber(2 * r.lookups)} reads of random old sessions: +${formatMb(coldGrowth)} more (mapped LevelDB table pages)`,
      peer: '—',
      ratio: '—',
      target: '— (see notes)',
      met: undefined,
    },
  ];
  const details = [
    `A child process loads the app's modules and builds the session layer as \`server.ts\`/\`app.ts\` do (embedded store, AES-256-GCM cipher, ` +
      `session manager with the app's ${formatNumber(r.cacheSize)}-session cache), with the Node flags of \`npm start\` (${nodeFlags.length > 0 ? nodeFlags.map((f) => `\`${f}\``).join(' ') : 'none'}). ` +
      `Sessions hold what a login stores, with 160-character tokens. Same traffic at both sizes: ${formatNumber(r.traffic)} requests (load + touch) from the ${formatNumber(r.active)} most recent sessions ` +
      `(the active users), then the process idles for a few seconds and its RSS is read (\`/proc/<pid>/status\`; no forced GC). ` +
      `Creating the ${formatNumber(r.created)} extra sessions took ${formatNumber(r.createSeconds, 1)} s (${formatNumber(r.created / r.createSeconds)} saves/s, 32 at a time).`,
    '',
    '| stored sessions | RSS before GC | RSS after GC | private (RssAnon) | mapped files (RssFile) | V8 heap used / total | store get p50 / p99 | manager load p50 / p99 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...[r.small, r.large].map(
      (m) =>
        `| ${formatNumber(m.sessions)} | ${formatMb(m.asFound.rss)} | ${formatMb(m.rss)} | ${formatMb(m.rssAnon)} | ${formatMb(m.rssFile)} | ${formatMb(m.heapUsed)} / ${formatMb(m.heapTotal)} | ${us(m.storeGetP50Us)} / ${us(m.storeGetP99Us)} | ${us(m.loadP50Us)} / ${us(m.loadP99Us)} |`,
    ),
    `| ${n}, after ${formatNumber(2 * r.lookups)} cold reads | ${formatMb(r.afterColdReads.asFound.rss)} | ${formatMb(r.afterColdReads.rss)} | ${formatMb(r.afterColdReads.rssAnon)} | ${formatMb(r.afterColdReads.rssFile)} | ${formatMb(r.afterColdReads.heapUsed)} / ${formatMb(r.afterColdReads.heapTotal)} | | |`,
    '',
    `Growth before GC (as found after the idle pause): ${formatMb(r.large.asFound.rss - r.small.asFound.rss)}; after a full GC at both sizes (the figure in the table): ${formatMb(growth)}.`,
    '',
    `Lookups: ${formatNumber(r.lookups)} raw \`store.get\` and ${formatNumber(r.lookups)} \`manager.load\` calls on uniformly random stored sessions, one at a time ` +
      '(a load of a session outside the cache reads LevelDB and decrypts). The cold reads map LevelDB table pages into the process (see the notes below the table).',
  ];
  return { name: 'sessions', rows, details };
}
