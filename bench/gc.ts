/**
 * @module bench/gc
 * What an authenticated request costs the garbage collector: starts the emulator and rc-authflow (embedded store,
 * or Redis) or the minimal proxy with `node --trace-gc-nvp`, logs in, loads `GET /test?api=extension` (JSON, 50
 * connections), and prints, per request: bytes allocated, bytes promoted to the old generation (objects that
 * outlived two young collections), the pause time of young (scavenge) and full (mark-compact) collections, and the
 * server's CPU time split between its main thread and its other threads (V8's helpers mark and sweep there).
 * Promoted objects stay until a full collection; the proxy shows what the HTTP and upstream layers alone cost.
 *
 * With `--alloc`, it samples allocations instead (V8's sampling heap profiler, objects collected by either GC
 * included) and prints the functions that allocate most per request; `--promoted` samples only objects that
 * outlived the young generation instead. The sampler runs inside the server process, loaded with `--import`.
 *
 * Run: `node --import tsx bench/gc.ts [embedded|redis|proxy] [seconds=6] [--alloc|--promoted]`. `GC_EXTRA_FLAGS`
 * adds Node/V8 flags to the server's (e.g. `--heap-growing-percent=100`, `--trace-incremental-marking`); `GC_DUMP`
 * names a file to copy the server's log (with the GC trace) to.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, removeWorkDir } from './lib/context.js';
import { assertClean, runLoad } from './lib/load.js';
import { readCpuSeconds, readMainThreadCpuSeconds } from './lib/child.js';
import { startApiTarget, startEmulatorServer } from './lib/servers.js';
import { formatNumber } from './lib/stats.js';

const WARM_UP_SECONDS = 3;

/** Sums of one `--trace-gc-nvp` log. */
interface GcTotals {
  scavenges: number;
  scavengeMs: number;
  markCompacts: number;
  markCompactMs: number;
  allocatedBytes: number;
  promotedBytes: number;
}

/** Adds up the `key=value` lines `--trace-gc-nvp` writes, one per collection. */
export function sumGcTrace(text: string): GcTotals {
  const totals: GcTotals = {
    scavenges: 0,
    scavengeMs: 0,
    markCompacts: 0,
    markCompactMs: 0,
    allocatedBytes: 0,
    promotedBytes: 0,
  };
  for (const line of text.split('\n')) {
    if (!line.includes(' gc=')) continue;
    const fields = new Map(
      line.split(/\s+/).flatMap((pair) => (pair.includes('=') ? [pair.split('=', 2)] : [])) as [string, string][],
    );
    const pause = Number(fields.get('pause') ?? 0);
    if (fields.get('gc') === 's') {
      totals.scavenges += 1;
      totals.scavengeMs += pause;
      totals.promotedBytes += Number(fields.get('promoted') ?? 0);
    } else if (fields.get('gc') === 'mc' || fields.get('gc') === 'ms') {
      totals.markCompacts += 1;
      totals.markCompactMs += pause;
    }
    totals.allocatedBytes += Number(fields.get('allocated') ?? 0);
  }
  return totals;
}

/** A node of V8's sampling heap profile. */
interface HeapNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children: HeapNode[];
}

/** V8's sampling heap profile (`HeapProfiler.stopSampling`). */
interface HeapProfile {
  readonly head: HeapNode;
  readonly samples: { nodeId: number; size: number }[];
}

/** The functions that allocated most in a sampling heap profile, as bytes per request. */
function topAllocators(profile: HeapProfile, requests: number) {
  const byId = new Map<number, HeapNode>();
  const visit = (node: HeapNode): void => {
    byId.set(node.id, node);
    node.children.forEach(visit);
  };
  visit(profile.head);
  const bytes = new Map<string, number>();
  for (const sample of profile.samples) {
    const node = byId.get(sample.nodeId);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'}  ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    bytes.set(name, (bytes.get(name) ?? 0) + sample.size);
  }
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  return {
    perRequest: total / requests,
    top: [...bytes].sort((a, b) => b[1] - a[1]).slice(0, 20),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const store = args.includes('redis') ? 'redis' : 'embedded';
  const proxy = args.includes('proxy');
  const seconds = Number(args.find((a) => /^\d+$/.test(a)) ?? '6');
  const sample = args.includes('--alloc') ? 'all' : args.includes('--promoted') ? 'promoted' : undefined;
  const ctx = createContext({ quick: false, pin: true });
  const sampler = join(ctx.root, 'bench', 'lib', 'alloc-sampler.mjs');
  const profileFile = join(ctx.workDir, 'alloc.heapprofile');
  try {
    ctx.pinSelf(ctx.cpus.loadForServer);
    const emulator = await startEmulatorServer(ctx, ctx.cpus.upstream);
    const flags = [
      '--trace-gc-nvp',
      ...(process.env.GC_EXTRA_FLAGS ?? '').split(' ').filter(Boolean),
      ...(sample === undefined ? [] : ['--import', sampler]),
    ];
    // Read by the sampler in the server process (children inherit the environment).
    if (sample !== undefined) Object.assign(process.env, { ALLOC_SAMPLE: sample, ALLOC_OUT: profileFile });
    const { app, load: target } = await startApiTarget(ctx, emulator, {
      store: proxy ? 'proxy' : store,
      name: 'gc',
      nodeFlags: flags,
    });
    await runLoad({ ...target, durationSeconds: WARM_UP_SECONDS });
    const mark = readFileSync(app.child.logFile, 'utf8').length;
    const cpuBefore = { all: readCpuSeconds(app.child.pid), main: readMainThreadCpuSeconds(app.child.pid) };
    // The sampler starts on SIGUSR2 and writes its profile on the next one.
    if (sample !== undefined) process.kill(app.child.pid, 'SIGUSR2');
    const result = await runLoad({ ...target, durationSeconds: seconds });
    const cpu = {
      all: readCpuSeconds(app.child.pid) - cpuBefore.all,
      main: readMainThreadCpuSeconds(app.child.pid) - cpuBefore.main,
    };
    if (sample !== undefined) process.kill(app.child.pid, 'SIGUSR2');
    assertClean('gc load', result);
    const requests = result.total;
    // The profile is written after the second signal; the trace lines of the last collections need a moment too.
    for (let waited = 0; waited < 10_000; waited += 100) {
      if (sample === undefined ? waited >= 500 : existsSync(`${profileFile}.requests`)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const totals = sumGcTrace(readFileSync(app.child.logFile, 'utf8').slice(mark));
    if (process.env.GC_DUMP) copyFileSync(app.child.logFile, process.env.GC_DUMP);
    const per = (value: number): string => formatNumber(value / requests, 1);
    // The sampler allocates too: with it on, the collector's figures are not the server's own.
    if (sample === undefined)
      console.log(
        `${proxy ? 'minimal proxy' : `rc-authflow (${store})`}: ${formatNumber(requests)} requests in ${seconds} s ` +
          `(${formatNumber(result.requestsPerSecond)} req/s)\n` +
          `  allocated ${per(totals.allocatedBytes / 1024)} KB/request, promoted ${per(totals.promotedBytes)} B/request\n` +
          `  ${totals.scavenges} scavenges, ${per(totals.scavengeMs * 1000)} µs/request of pause; ` +
          `${totals.markCompacts} mark-compacts, ${per(totals.markCompactMs * 1000)} µs/request of pause\n` +
          `  CPU ${per(cpu.all * 1e6)} µs/request: main thread ${per(cpu.main * 1e6)}, other threads ` +
          `${per((cpu.all - cpu.main) * 1e6)} (V8's concurrent marking and sweeping, compilers, libuv's pool)`,
      );
    if (sample !== undefined) {
      const counted = Number(readFileSync(`${profileFile}.requests`, 'utf8'));
      const { perRequest, top } = topAllocators(JSON.parse(readFileSync(profileFile, 'utf8')) as HeapProfile, counted);
      console.log(
        `\n${sample === 'all' ? 'allocated' : 'outlived the young generation'}: ` +
          `${formatNumber(perRequest / 1024, 1)} KB/request (sampled over ${formatNumber(counted)} requests); by function:`,
      );
      for (const [name, bytes] of top) console.log(`  ${formatNumber(bytes / counted).padStart(6)} B  ${name}`);
    }
    await app.child.stop();
  } finally {
    await ctx.cleanup();
    removeWorkDir(ctx);
  }
}

if (process.argv[1]?.endsWith('gc.ts')) await main();
