/**
 * The app's query-string parser (`src/web/query.ts`): what it returns is what `URLSearchParams` parses (a repeated
 * key as an array), whether the string takes the plain split or needs decoding, and it never throws.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuery } from '../../../src/web/query.js';

/** What URLSearchParams makes of `search`, a repeated key as an array (the reference, not our code). */
function reference(search: string): Record<string, string | string[]> {
  const params = new URLSearchParams(search);
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length === 1 ? (all[0] as string) : all;
  }
  return out;
}

/** A small seeded generator, so a failure names a string that can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('parseQuery', () => {
  it('plain query strings: as URLSearchParams parses them, empty pairs, bare keys and extra "=" included', () => {
    for (const search of ['', 'api=extension', 'a=1&a=2&a=3', 'a&b=', '&&a=1&&', '=x', 'a=b=c', 'x.y~z_-=1-2.3~']) {
      assert.deepEqual({ ...parseQuery(search) }, reference(search), search);
    }
  });

  it('strings that need decoding: percent-encoding, "+", invalid escapes kept as text, a leading "?"', () => {
    for (const search of ['q=a+b', 'q=%41%42', 'q=%zz&r=%', '?a=1', 'n%61me=v', 'a=%E2%82%AC', 'a=1;b=2', 'a=é']) {
      assert.deepEqual({ ...parseQuery(search) }, reference(search), search);
    }
  });

  it('2,000 random strings over the characters that matter agree with URLSearchParams', () => {
    const next = random(20_261_206);
    const alphabet = ['a', 'b', '=', '&', '%', '2', '0', '+', '.', '-', '~', '_', '?', 'Z'];
    for (let i = 0; i < 2_000; i++) {
      let search = '';
      const length = Math.floor(next() * 16);
      for (let j = 0; j < length; j++) search += alphabet[Math.floor(next() * alphabet.length)];
      assert.deepEqual({ ...parseQuery(search) }, reference(search), JSON.stringify(search));
    }
  });

  it('returns an object that inherits nothing, so "__proto__" is a plain key', () => {
    const query = parseQuery('__proto__=x&constructor=y');
    const prototype = Object.getPrototypeOf(query) as object;
    assert.equal(Object.getPrototypeOf(prototype), null, 'no Object.prototype in the chain');
    assert.deepEqual(Reflect.ownKeys(prototype), [], 'nothing inherited');
    assert.ok(Object.isFrozen(prototype), 'nothing can be added to what queries inherit');
    assert.equal(Object.getPrototypeOf(parseQuery('a=1')), prototype, 'one prototype for all');
    assert.ok(Object.hasOwn(query, '__proto__'));
    assert.equal(query['__proto__'], 'x');
    assert.equal(query['constructor'], 'y');
    assert.equal('toString' in parseQuery('a=1'), false);
  });
});
