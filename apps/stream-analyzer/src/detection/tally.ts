/** Per-key tally: total occurrences and in how many observations (process-windows) the key appeared. */
export class Tally {
  private readonly m = new Map<string, { count: number; windows: number; firstSeen: number }>();

  /** Count one observation's keys. `onlyKnown` refreshes known keys without adding new ones. */
  observe(counts: Map<string, number>, time: number, onlyKnown = false): void {
    for (const [key, count] of counts) {
      const e = this.m.get(key);
      if (e) {
        e.count += count;
        e.windows++;
      } else if (!onlyKnown) this.m.set(key, { count, windows: 1, firstSeen: time });
    }
  }

  /** Teach keys (analyst acceptance). */
  accept(keys: Iterable<string>, time: number): void {
    for (const key of keys) if (!this.m.has(key)) this.m.set(key, { count: 1, windows: 1, firstSeen: time });
  }

  has(key: string): boolean {
    return this.m.has(key);
  }

  get(key: string): { count: number; windows: number; firstSeen: number } | undefined {
    return this.m.get(key);
  }

  keys(): IterableIterator<string> {
    return this.m.keys();
  }

  get size(): number {
    return this.m.size;
  }

  merge(other: Tally): void {
    for (const [k, e] of other.m) {
      const mine = this.m.get(k);
      if (mine) {
        mine.count += e.count;
        mine.windows += e.windows;
        mine.firstSeen = Math.min(mine.firstSeen, e.firstSeen);
      } else this.m.set(k, { ...e });
    }
  }

  toJSON(): [string, number, number, number][] {
    return [...this.m].map(([k, e]) => [k, e.count, e.windows, e.firstSeen]);
  }

  static fromJSON(rows: [string, number, number, number][]): Tally {
    const t = new Tally();
    for (const [k, count, windows, firstSeen] of rows) t.m.set(k, { count, windows, firstSeen });
    return t;
  }
}

/** Add `n` to a count map entry. */
export function bump(m: Map<string, number>, key: string, n = 1): void {
  m.set(key, (m.get(key) ?? 0) + n);
}
