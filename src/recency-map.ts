/**
 * @module recency-map
 * A bounded map that drops its least recently used entry when full, for the caches on the request path (the
 * session cache, the in-process rate-limit budgets). Recency is kept roughly: reading an entry moves it to the
 * newest end only when it has aged into the older half. An entry read recently is never the one dropped, and a busy
 * entry is not moved on every read (each move is a `Map` delete and insert, whose hole makes the map rebuild its
 * table, a cost the allocation profile showed per request).
 */
export class RecencyMap<V> {
  readonly #max: number;
  /** Oldest first; `seq` is the order number of the entry's last move to the newest end. */
  readonly #slots = new Map<string, { value: V; seq: number }>();
  #seq = 0;

  /** @param maxEntries the most entries kept */
  constructor(maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) {
      throw new RangeError('the size of a recency map must be a positive integer');
    }
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#slots.size;
  }

  has(key: string): boolean {
    return this.#slots.has(key);
  }

  /** The value, marked as used. */
  get(key: string): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    if (this.#seq - slot.seq >= this.#max / 2) {
      this.#slots.delete(key);
      slot.seq = ++this.#seq;
      this.#slots.set(key, slot);
    }
    return slot.value;
  }

  /** Sets the value as the newest entry; drops the oldest when that makes one too many. */
  set(key: string, value: V): void {
    this.#slots.delete(key);
    this.#slots.set(key, { value, seq: ++this.#seq });
    if (this.#slots.size > this.#max) {
      const oldest = this.#slots.keys().next();
      if (oldest.done !== true) this.#slots.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.#slots.delete(key);
  }

  clear(): void {
    this.#slots.clear();
  }
}
