/**
 * @module bench/profile
 * Where an authenticated request spends its time: starts the emulator and rc-authflow (embedded store, or Redis)
 * with `node --cpu-prof`, logs in, loads `GET /test?api=extension` (JSON, 50 connections) for a few seconds,
 * stops the app so the profile is written, and prints the functions with the most self time (and the share of
 * the app's busy time spent in each source file group).
 *
 * Run: `node --import tsx bench/profile.ts [embedded|redis|proxy] [seconds] [--keep]` (`proxy`: the minimal proxy
 * peer, for comparison; `--keep` leaves the `.cpuprofile` in `bench/profiles/` for Chrome DevTools or speedscope).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createContext, removeWorkDir } from './lib/context.js';
import { assertClean, runLoad } from './lib/load.js';
import { startApiTarget, startEmulatorServer } from './lib/servers.js';
import { formatNumber } from './lib/stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  /** µs between consecutive samples (the first from `startTime`). */
  timeDeltas: number[];
}

/** A function's share of the samples. */
export interface HotFunction {
  readonly name: string;
  readonly where: string;
  readonly selfPercent: number;
}

function shortUrl(root: string, url: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const rel = relative(root, path);
  return rel.startsWith('..') ? path : rel.replace(/^node_modules\//, '');
}

/**
 * Summarises a `.cpuprofile`: top functions by self time, and self time per group (app, deps, node, GC, idle).
 * Samples in the first `skipMs` (start-up, login) are left out.
 */
export function summarizeProfile(
  root: string,
  profile: CpuProfile,
  top = 25,
  skipMs = 0,
): { functions: HotFunction[]; groups: Record<string, number>; busyPercent: number } {
  const selfById = new Map<number, number>();
  let at = 0;
  let total = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < skipMs * 1000) return;
    total++;
    selfById.set(id, (selfById.get(id) ?? 0) + 1);
  });
  const byKey = new Map<string, { name: string; where: string; count: number }>();
  const groups: Record<string, number> = {};
  let idle = 0;
  for (const node of profile.nodes) {
    const count = selfById.get(node.id) ?? 0;
    if (count === 0) continue;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') idle += count;
    const url = node.callFrame.url;
    const where = url === '' ? '(native)' : `${shortUrl(root, url)}:${node.callFrame.lineNumber + 1}`;
    const group =
      name === '(idle)'
        ? 'idle'
        : name === '(garbage collector)'
          ? 'GC'
          : url === ''
            ? 'native / V8'
            : url.startsWith('node:')
              ? 'node core'
              : url.includes('/node_modules/')
                ? `deps: ${shortUrl(root, url).split('/')[0]?.startsWith('@') ? shortUrl(root, url).split('/').slice(0, 2).join('/') : shortUrl(root, url).split('/')[0]}`
                : `app: ${shortUrl(root, url).split('/').slice(0, 2).join('/')}`;
    groups[group] = (groups[group] ?? 0) + count;
    const key = `${name}@${where}`;
    const entry = byKey.get(key) ?? { name, where, count: 0 };
    entry.count += count;
    byKey.set(key, entry);
  }
  const busy = total - idle;
  const functions = [...byKey.values()]
    .filter((f) => f.name !== '(idle)')
    .sort((a, b) => b.count - a.count)
    .slice(0, top)
    .map((f) => ({ name: f.name, where: f.where, selfPercent: (100 * f.count) / Math.max(busy, 1) }));
  const groupPercent: Record<string, number> = {};
  for (const [g, count] of Object.entries(groups)) {
    if (g !== 'idle') groupPercent[g] = (100 * count) / Math.max(busy, 1);
  }
  return { functions, groups: groupPercent, busyPercent: (100 * busy) / Math.max(total, 1) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const store = args.includes('redis') ? 'redis' : 'embedded';
  const proxy = args.includes('proxy');
  const seconds = Number(args.find((a) => /^\d+$/.test(a)) ?? '8');
  const keep = args.includes('--keep');
  const ctx = createContext({ quick: false, pin: true });
  const profileDir = join(ctx.workDir, 'profiles');
  mkdirSync(profileDir, { recursive: true });
  try {
    ctx.pinSelf(ctx.cpus.loadForServer);
    const emulator = await startEmulatorServer(ctx, ctx.cpus.upstream);
    const spawned = performance.now();
    const profileFlags = ['--cpu-prof', '--cpu-prof-dir', profileDir];
    const { app, load: target } = await startApiTarget(ctx, emulator, {
      store: proxy ? 'proxy' : store,
      name: 'profile',
      nodeFlags: profileFlags,
    });
    const skipMs = performance.now() - spawned;
    const result = await runLoad({ ...target, durationSeconds: seconds });
    assertClean('profile load', result);
    console.log(`load: ${formatNumber(result.requestsPerSecond)} req/s over ${seconds} s (with the profiler on)`);
    await app.child.stop();
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error('no profile written');
    const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
    const summary = summarizeProfile(ctx.root, profile, 25, skipMs);
    console.log(
      `busy ${formatNumber(summary.busyPercent)}% of the load window (start-up left out); self time as % of busy time:\n`,
    );
    for (const [group, percent] of Object.entries(summary.groups).sort((a, b) => b[1] - a[1])) {
      console.log(`  ${formatNumber(percent, 1).padStart(5)}%  ${group}`);
    }
    console.log('\ntop functions by self time:\n');
    for (const f of summary.functions) {
      console.log(`  ${formatNumber(f.selfPercent, 1).padStart(5)}%  ${f.name}  ${f.where}`);
    }
    if (keep) {
      const out = join(ctx.root, 'bench', 'profiles');
      mkdirSync(out, { recursive: true });
      copyFileSync(join(profileDir, file), join(out, `${proxy ? 'proxy' : store}-${Date.now()}.cpuprofile`));
      console.log(`\nprofile kept in ${relative(ctx.root, out)}/`);
    }
  } finally {
    await ctx.cleanup();
    removeWorkDir(ctx);
  }
}

if (process.argv[1]?.endsWith('profile.ts')) await main();
