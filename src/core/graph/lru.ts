/**
 * A Map that forgets its least recently written entries beyond a capacity: the graph builder's
 * per-actor and per-token state stays bounded whatever the capture holds.
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  private readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
  }
  get size(): number {
    return this.map.size;
  }
  get(key: K): V | undefined {
    return this.map.get(key);
  }
  /** Writes and marks the entry most recent; evicts the oldest when over capacity. */
  set(key: K, value: V): void {
    if (this.map.has(key)) this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }
  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}
