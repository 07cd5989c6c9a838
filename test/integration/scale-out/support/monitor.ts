/**
 * @module test/integration/scale-out/support/monitor
 * Counts the commands clients send to Redis, as Redis receives them (`MONITOR` on every data node).
 */
import { Redis } from 'ioredis';
import type { TestRedis } from '../../../helpers/redis-topology.js';

/** Raw connections to every data node of `redis` (one for a single server). */
function nodesOf(redis: TestRedis): Redis[] {
  const quiet = (client: Redis): Redis => client.on('error', () => undefined);
  if (redis.topology === undefined) return [quiet(new Redis(redis.env.REDIS_URL ?? '', { lazyConnect: false }))];
  const topology = redis.topology;
  return topology.nodes.map((node) =>
    quiet(new Redis({ ...topology.connectionOptions(node.port), lazyConnect: false })),
  );
}

/**
 * Watches every node with `MONITOR` and counts the commands clients send, by name. Commands a Lua script runs
 * (source `lua`) are not counted: they are part of their `EVALSHA`. (`INFO commandstats` counts both.)
 */
export async function watchCommands(redis: TestRedis): Promise<{ counts: Map<string, number>; stop: () => void }> {
  const counts = new Map<string, number>();
  const monitors: Redis[] = [];
  for (const node of nodesOf(redis)) {
    const monitor = await node.monitor();
    // A monitor reconnecting after the test stopped the topology is not an error of the test.
    monitor.on('error', () => undefined);
    node.disconnect();
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua') return;
      const name = (args[0] ?? '').toLowerCase();
      counts.set(name, (counts.get(name) ?? 0) + 1);
    });
    monitors.push(monitor);
  }
  return { counts, stop: () => monitors.forEach((m) => m.disconnect()) };
}
