/** State of a batch id: being produced (shared promise) or produced at `at`. */
type Entry = { state: 'pending'; done: Promise<void> } | { state: 'done'; at: number };

/**
 * Recently seen batch ids (per endpoint), bounded in time and count. A batch being produced is
 * "pending": a retry of it waits for the same produce instead of producing a second copy; a
 * failed produce forgets the id so the retry produces it.
 */
export class DedupeWindow {
  private readonly entries = new Map<string, Entry>();
  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Current state of a batch id (expired ids are forgotten). */
  get(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e?.state === 'done' && this.now() - e.at > this.windowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Track a produce of `key`: done on success, forgotten on failure. */
  track(key: string, produce: Promise<unknown>): void {
    const done = produce.then(
      () => {
        this.entries.delete(key);
        this.entries.set(key, { state: 'done', at: this.now() });
      },
      () => {
        this.entries.delete(key);
      },
    );
    this.entries.set(key, { state: 'pending', done });
    this.evict();
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(): void {
    // Map iteration order is insertion order: the oldest ids go first.
    const cutoff = this.now() - this.windowMs;
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && !(e.state === 'done' && e.at < cutoff)) break;
      this.entries.delete(key);
    }
  }
}
