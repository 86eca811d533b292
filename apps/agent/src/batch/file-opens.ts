import type { FileOpen } from '@vigil/schemas';

/**
 * One process's opens in a window, aggregated by (path, flags, result): what FileOpen records say,
 * kept as columns until the window is taken.
 *
 * Why not a FileOpen object per entry: a file walk opens tens of thousands of distinct paths a
 * window (bench/agent-overhead (c)), and every entry lives until the window closes, so each object
 * (and the boxed number of its firstSeen) is copied by the young-generation GC before it is
 * promoted. Columns of small integers and doubles hold no pointers and leave only the path string
 * and the Map entry for the GC to move. The objects are built once, by list().
 */
export class FileOpens {
  /** Index of the first entry of each path (insertion order = report order). */
  private readonly first = new Map<string, number>();
  private readonly paths: string[] = [];
  private readonly flags: number[] = [];
  private readonly rets: number[] = [];
  private readonly counts: number[] = [];
  private readonly firstSeen: number[] = [];
  /** Next entry of the same path (another flags/result), -1 at the end: most paths have one entry. */
  private readonly next: number[] = [];

  get size(): number {
    return this.paths.length;
  }

  /** Count `n` opens of `path` with these flags and result; `now` is the firstSeen of a new entry. */
  add(path: string, flags: number, ret: number, n: number, now: number): void {
    const head = this.first.get(path);
    if (head === undefined) {
      this.first.set(path, this.push(path, flags, ret, n, now));
      return;
    }
    let i = head;
    for (;;) {
      if (this.flags[i] === flags && this.rets[i] === ret) {
        this.counts[i]! += n;
        return;
      }
      const j: number = this.next[i]!;
      if (j < 0) break;
      i = j;
    }
    this.next[i] = this.push(path, flags, ret, n, now);
  }

  private push(path: string, flags: number, ret: number, n: number, now: number): number {
    this.paths.push(path);
    this.flags.push(flags);
    this.rets.push(ret);
    this.counts.push(n);
    this.firstSeen.push(now);
    this.next.push(-1);
    return this.paths.length - 1;
  }

  /** The entries as FileOpen records: by path in order of first sight, a path's entries in order of theirs. */
  list(): FileOpen[] {
    const out: FileOpen[] = [];
    for (const head of this.first.values()) {
      for (let i = head; i >= 0; i = this.next[i]!) {
        out.push({ path: this.paths[i]!, flags: this.flags[i]!, ret: this.rets[i]!, count: this.counts[i]!, firstSeen: this.firstSeen[i]! });
      }
    }
    return out;
  }
}
