/**
 * The scale-out command of docs/operations.md as a user runs it: `npm run cluster -- --instances 2` (here on free ports
 * of 127.0.0.1) starts Redis, the emulator and two instances; both answer `/healthz`, a login on one is seen by the
 * other, and Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops everything: no instance, no
 * redis-server left, and the temporary Redis directory is gone. The same with `--redis sentinel` (a primary, a replica,
 * three sentinels) and `--redis cluster` (three primaries), whose instances find Redis through `REDIS_SENTINELS` and
 * `REDIS_CLUSTER_NODES`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HttpClient } from '../../helpers/http-client.js';
import { topologySkip } from '../../helpers/redis-topology.js';
import { USER1 } from '../support/fixtures.js';
import { waitUntil } from './support/instances.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

const CASES = [
  { redis: 'server', title: 'two instances on one Redis: healthy, one login for both, Ctrl-C stops everything' },
  { redis: 'sentinel', title: '--redis sentinel: primary, replica, three sentinels; the same, Ctrl-C stops all' },
  { redis: 'cluster', title: '--redis cluster: three primaries; the same, Ctrl-C stops everything' },
] as const;

/** The Redis processes and directory the command printed. */
function redisOf(output: string, kind: (typeof CASES)[number]['redis']): { pids: number[]; dir: string } | undefined {
  if (kind === 'server') {
    const redis = /^redis: (redis:\/\/\S+) \(pid (\d+), append-only file in (\S+)\)/m.exec(output);
    return redis === null ? undefined : { pids: [Number(redis[2])], dir: redis[3]! };
  }
  const pids = [...output.matchAll(/^redis [a-z ]+: redis:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\)$/gm)].map((m) =>
    Number(m[1]),
  );
  const dir = /^redis: .*files in (\S+)$/m.exec(output)?.[1];
  return dir === undefined ? undefined : { pids, dir };
}

for (const { redis: kind, title } of CASES) {
  void describe(
    kind === 'server' ? 'npm run cluster' : `npm run cluster -- --redis ${kind}`,
    { skip: topologySkip(kind) },
    () => {
      void it(title, async (t) => {
        const args = [
          '--instances',
          '2',
          '--port',
          '0',
          '--host',
          '127.0.0.1',
          ...(kind === 'server' ? [] : ['--redis', kind]),
        ];
        const child = spawn('npm', ['run', 'cluster', '--silent', '--', ...args], {
          cwd: ROOT,
          env: { PATH: process.env.PATH, HOME: process.env.HOME },
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        const pids: number[] = [];
        t.after(() => {
          // Whatever is left if the test failed half-way: the group, then any process it listed.
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // the group is gone
          }
          for (const pid of pids) if (running(pid)) process.kill(pid, 'SIGKILL');
        });
        await waitUntil(() => /^ready$/m.test(output), 'the cluster to print "ready"', {
          timeoutMs: 60_000,
          everyMs: 100,
          detail: () => output,
        });

        const instances = [...output.matchAll(/^instance \d+: (http:\/\/\S+) \(pid (\d+)\)/gm)].map((m) => ({
          url: m[1]!,
          pid: Number(m[2]),
        }));
        assert.equal(instances.length, 2, output);
        const redis = redisOf(output, kind);
        assert.ok(redis, `the cluster started its own Redis:\n${output}`);
        assert.equal(redis.pids.length, { server: 1, sentinel: 5, cluster: 3 }[kind], output);
        const redisDir = redis.dir;
        pids.push(...instances.map((i) => i.pid), ...redis.pids);
        assert.ok(existsSync(redisDir));

        for (const instance of instances) {
          assert.equal((await fetch(`${instance.url}/healthz`)).status, 200, instance.url);
        }
        const [a, b] = instances;
        const first = new HttpClient(a!.url);
        await first.loginAs(USER1.username, USER1.password);
        const second = new HttpClient(b!.url);
        for (const [name, value] of first.jar) second.jar.set(name, value);
        const seen = await second.get('/test?api=extension', { accept: 'application/json' });
        assert.equal(seen.status, 200, seen.text.slice(0, 200));
        assert.match((await second.page('/')).text, /Logout/, 'instance 2 shows the user logged in');

        process.kill(-child.pid!, 'SIGINT');
        await exited(child);
        await waitUntil(() => pids.every((pid) => !running(pid)), 'every instance and Redis to exit', {
          timeoutMs: 20_000,
          everyMs: 100,
          detail: () => output,
        });
        assert.ok(!existsSync(redisDir), 'the temporary Redis directory is removed');
        assert.match(output, /stopping every instance/);
      });
    },
  );
}
