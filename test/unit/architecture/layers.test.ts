/**
 * The import structure of `src/`, read from the code: every import points down the layers a newcomer sees in the
 * folder tree, and no file reaches itself through its imports.
 *
 *   server.ts → app.ts, redis/, doctor/ → web/ → ringcentral/, session/, oauth/ → governor/, metrics/, readiness/
 *   → rc-api/, config.ts, errors.ts, logging.ts, recency-map.ts
 *
 * Within a layer, folders may use each other (no cycle). `redis/` holds adapters of ports declared below it
 * (session store, budget store, readiness store, refresh lock): only the composition roots (`server.ts`, and the
 * doctor, which checks a configured store) import it. `src/` never imports the emulator.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = join(ROOT, 'src');

/** Layer of a file under `src/` (higher may import lower). */
const LAYERS: readonly (readonly [number, RegExp])[] = [
  [0, /^(config|errors|logging|recency-map)\.ts$|^rc-api\//],
  [1, /^(governor|metrics|readiness)\//],
  [2, /^(ringcentral|session|oauth)\//],
  [3, /^web\//],
  [4, /^app\.ts$|^(redis|doctor)\//],
  [5, /^server\.ts$/],
];

function layerOf(file: string): number {
  const found = LAYERS.find(([, pattern]) => pattern.test(file));
  assert.ok(found, `${file} belongs to no layer: add it to the layer table of this test`);
  return found[0];
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** `src/`-relative path → the `src/`-relative paths it imports (relative imports only; `.js` → `.ts`). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const match of text.matchAll(IMPORT)) {
      const spec = match[1] ?? match[2];
      if (spec === undefined || !spec.startsWith('.')) continue;
      targets.push(relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
    }
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

void describe('the import structure of src/', () => {
  const graph = importGraph();

  void it('finds the files (the test reads the real tree)', () => {
    assert.ok(graph.size > 80, `${graph.size} files`);
    assert.ok(graph.get('app.ts')?.includes('web/routes/api.ts'));
  });

  void it('imports point down the layers, never up', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        if (target.startsWith('..')) continue;
        if (layerOf(target) > layerOf(file)) upward.push(`${file} → ${target}`);
      }
    }
    assert.deepEqual(upward, []);
  });

  void it('only the composition roots import the Redis adapters; src/ never imports the emulator', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const root = file === 'server.ts' || file.startsWith('doctor/') || file.startsWith('redis/');
        if (target.startsWith('redis/') && !root) {
          wrong.push(`${file} → ${target}`);
        }
        if (target.startsWith('../emulator') && file !== 'server.ts') wrong.push(`${file} → ${target}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  void it('no file reaches itself through its imports (no cycle)', () => {
    // Tarjan's strongly connected components.
    let index = 0;
    const indices = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (node: string): void => {
      indices.set(node, index);
      low.set(node, index);
      index += 1;
      stack.push(node);
      onStack.add(node);
      for (const next of graph.get(node) ?? []) {
        if (!graph.has(next)) continue;
        if (!indices.has(next)) {
          visit(next);
          low.set(node, Math.min(low.get(node)!, low.get(next)!));
        } else if (onStack.has(next)) {
          low.set(node, Math.min(low.get(node)!, indices.get(next)!));
        }
      }
      if (low.get(node) === indices.get(node)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
      }
    };
    for (const node of graph.keys()) if (!indices.has(node)) visit(node);
    assert.deepEqual(cycles, []);
  });
});
