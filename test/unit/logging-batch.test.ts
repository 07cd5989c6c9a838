/**
 * @module test/unit/logging-batch.test
 * The batched log destination: the lines of one event-loop turn go out in one write at the end of the turn, in
 * order; a batch that reaches the size bound goes out at once; `flush()` writes what is pending.
 */
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { BATCH_MAX_CHARS, createBatchedDestination, createLogger } from '../../src/logging.js';

function recorder(): { writes: string[]; write(text: string): void } {
  const writes: string[] = [];
  return { writes, write: (text) => void writes.push(text) };
}

void describe('batched log lines', () => {
  void it('writes the lines of one turn once, at its end, in order', async () => {
    const sink = recorder();
    const destination = createBatchedDestination(sink);
    destination.write('a\n');
    destination.write('b\n');
    destination.write('c\n');
    assert.deepEqual(sink.writes, [], 'nothing written during the turn');
    await nextTurn();
    assert.deepEqual(sink.writes, ['a\nb\nc\n']);
    destination.write('d\n');
    await nextTurn();
    assert.deepEqual(sink.writes, ['a\nb\nc\n', 'd\n'], 'the next turn is the next write');
  });

  void it('writes at once when the pending text reaches the bound', async () => {
    const sink = recorder();
    const destination = createBatchedDestination(sink);
    const line = `${'x'.repeat(1023)}\n`;
    const lines = Math.ceil(BATCH_MAX_CHARS / line.length);
    for (let i = 0; i < lines; i++) destination.write(line);
    assert.equal(sink.writes.length, 1, 'written within the turn');
    assert.equal(sink.writes[0], line.repeat(lines));
    destination.write('after\n');
    await nextTurn();
    assert.deepEqual(sink.writes.slice(1), ['after\n']);
  });

  void it('flush() writes what is pending now, and nothing twice', async () => {
    const sink = recorder();
    const destination = createBatchedDestination(sink);
    destination.write('pending\n');
    let called = false;
    destination.flush(() => {
      called = true;
    });
    assert.deepEqual(sink.writes, ['pending\n']);
    assert.ok(called);
    await nextTurn();
    assert.deepEqual(sink.writes, ['pending\n'], 'the end of the turn finds nothing left');
  });

  void it('carries pino lines unchanged, and logger.flush() reaches it', () => {
    const sink = recorder();
    const logger = createLogger({ level: 'info', destination: createBatchedDestination(sink) });
    logger.info({ n: 1 }, 'first');
    logger.info({ n: 2 }, 'second');
    logger.flush();
    assert.equal(sink.writes.length, 1);
    const lines = (sink.writes[0] ?? '')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; n: number });
    assert.deepEqual(
      lines.map((l) => [l.msg, l.n]),
      [
        ['first', 1],
        ['second', 2],
      ],
    );
  });
});
