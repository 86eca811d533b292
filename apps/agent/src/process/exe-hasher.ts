import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, read, statSync, type Stats } from 'node:fs';
import { promisify } from 'node:util';

const readAsync = promisify(read);

/** Longest sleep of the queue while over the byte rate: execs arriving meanwhile wait at most this. */
const BUDGET_SLICE_MS = 20;

/** How the agent hashes executables. */
export interface ExeHashOptions {
  /** Files larger than this are not hashed: exeHash stays null, counted as `too_large`. */
  maxFileBytes: number;
  /** Distinct file identities (dev, inode, size, ctime) remembered; the least recently used is forgotten. */
  cacheEntries: number;
  /** Bytes read and hashed per second at most (token bucket; a burst of up to maxFileBytes). */
  bytesPerSecond: number;
  /** Requests waiting at most; a request beyond is not served (exeHash null, counted as `skipped`). */
  maxPending: number;
  /** Chunk read (and hashed) between two yields to the event loop. */
  chunkBytes: number;
  procRoot: string;
}

/**
 * 64 MiB: larger than nearly every executable a distribution ships (node itself, ~95 MB, is over it:
 * a language runtime is identified by its path and package, its scripts by their own records).
 * 32 MiB/s: a burst of new binaries costs at most ~8% of one core at ~450 MB/s of sha256; steady
 * state is cache hits (one open and fstat per exec).
 */
export const EXE_HASH_DEFAULTS: ExeHashOptions = {
  maxFileBytes: 64 * 1024 * 1024,
  cacheEntries: 4096,
  bytesPerSecond: 32 * 1024 * 1024,
  maxPending: 4096,
  chunkBytes: 1024 * 1024,
  procRoot: '/proc',
};

/** What became of one request. */
export type ExeHashOutcome = 'hashed' | 'cached' | 'too_large' | 'unreadable' | 'changed' | 'skipped';

export const EXE_HASH_OUTCOMES: readonly ExeHashOutcome[] = ['hashed', 'cached', 'too_large', 'unreadable', 'changed', 'skipped'];

/** The part of a process entry the hasher reads (pid, the image's path) and writes (its hash). */
export interface HashTarget {
  pid: number;
  exe: string;
  exited: boolean;
  exeHash: string | null;
}

interface Job {
  target: HashTarget;
  /** The image the request was for: a result is only kept while the target still runs it. */
  exe: string;
  background: boolean;
  /** Superseded by a request of the exec queue for the same process. */
  dropped?: boolean;
}

/**
 * A file's identity: the same key means the same content. ctime moves with every write (and with
 * utimensat, so setting mtime back does not hide one), a replacement changes the inode. Integer µs:
 * formatting a fractional number cost as much as the stat.
 */
function identity(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${Math.round(st.ctimeMs * 1000)}`;
}

/** A queue that takes from the front without moving the rest at every take. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(x: T): void {
    this.items.push(x);
  }

  /** Put a taken item back in front. */
  unshift(x: T): void {
    if (this.head > 0) this.items[--this.head] = x;
    else this.items.unshift(x);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head++]!;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
}

/**
 * sha256 of the executable each process runs, computed in user space off the hot path.
 *
 * request() only queues (the collector calls it while dispatching kernel records); the queue is
 * worked after the dispatch, one file at a time, execs before the processes found in /proc (at
 * start-up, hashing every running program's image must not hold back the first new ones). The file is opened through /proc/PID/exe while the
 * process lives, so a deleted executable or a memfd hashes too; a process already gone falls back
 * to its exe path. Results are cached by file identity (dev, inode, size, ctime), so the
 * steady cost of an exec is one stat; reading is rate-limited and chunked with yields,
 * so a burst of new binaries never holds the event loop (batches keep leaving; a process whose hash
 * is not known yet is sent with exeHash null). Files over maxFileBytes are not read (null, counted).
 */
export class ExeHasher {
  readonly counters: Record<ExeHashOutcome, number> = { hashed: 0, cached: 0, too_large: 0, unreadable: 0, changed: 0, skipped: 0 };
  /** Bytes read and hashed since start. */
  bytesHashed = 0;
  private readonly options: ExeHashOptions;
  /** identity → sha256 hex, or null for a file over the size cap (insertion order = recency). */
  private readonly cache = new Map<string, string | null>();
  /** Execs (and forks of a parent not hashed yet) first, then processes found in /proc. */
  private readonly queues = { exec: new Fifo<Job>(), background: new Fifo<Job>() };
  /** The queued job of each process (one at most). */
  private readonly pending = new Map<HashTarget, Job>();
  private running = false;
  private idleWaiters: (() => void)[] = [];
  /** The job being worked (between awaits). */
  private current: Job | undefined;
  private settleWaiters: (() => void)[] = [];
  /**
   * stat of exe paths within one synchronous stretch of the queue: an exec storm of one program
   * (a shell loop, make) stats its path once per stretch, not once per process. Cleared at every
   * await, so an answer is never older than the stretch (the stat→read race a single stat has too).
   */
  private readonly pathStats = new Map<string, Stats | undefined>();
  private tokens: number;
  private lastRefill = Date.now();
  private buffer: Buffer | undefined;

  constructor(options: Partial<ExeHashOptions> = {}) {
    this.options = { ...EXE_HASH_DEFAULTS, ...options };
    this.tokens = this.options.maxFileBytes;
  }

  /** Requests waiting. */
  get waiting(): number {
    return this.queues.exec.size + this.queues.background.size;
  }

  /** Identities cached. */
  get cached(): number {
    return this.cache.size;
  }

  /**
   * Hash the image `t` runs now (its exeHash is null until then). Cheap: queues only. `background`:
   * a process found in /proc rather than seen exec'ing, served after the execs.
   */
  request(t: HashTarget, background = false): void {
    t.exeHash = null;
    const queued = this.pending.get(t);
    // already queued (the job reads t.exe when it runs), unless an exec finds it in the background queue
    if (queued && (background || !queued.background)) return;
    if (this.waiting >= this.options.maxPending) {
      this.counters.skipped++;
      return;
    }
    if (queued) queued.dropped = true;
    const job: Job = { target: t, exe: t.exe, background };
    this.pending.set(t, job);
    this.queues[background ? 'background' : 'exec'].push(job);
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.drain());
    }
  }

  /**
   * Resolves once no exec is queued or being hashed, or after `maxMs`: the agent waits this little
   * before it takes a batch, so a process that just exec'd a new binary carries its hash (hashing a
   * few MB takes milliseconds), without ever holding a batch longer than `maxMs`.
   */
  execsSettled(maxMs: number): Promise<void> {
    if (this.execsDone()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.settleWaiters.push(done);
    });
  }

  private execsDone(): boolean {
    return this.queues.exec.size === 0 && (this.current === undefined || this.current.background);
  }

  private wakeSettled(): void {
    if (this.settleWaiters.length === 0 || !this.execsDone()) return;
    const waiters = this.settleWaiters;
    this.settleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once nothing is queued (tests, benches). */
  idle(): Promise<void> {
    if (!this.running && this.waiting === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async drain(): Promise<void> {
    let sinceYield = 0;
    for (let job = this.next(); job; job = this.next()) {
      this.current = job;
      if (job.dropped) continue;
      this.pending.delete(job.target);
      job.exe = job.target.exe;
      try {
        // a cache hit is answered synchronously (an await per job cost as much as the hit itself)
        const miss = this.lookup(job);
        if (miss) {
          this.pathStats.clear();
          sinceYield = 0;
          const waitMs = this.take(miss.size);
          if (waitMs > 0) {
            // over the rate: the job goes back in front of its queue and the queue sleeps a short
            // slice, so execs that arrive meanwhile (cache hits, mostly) are not held behind it
            this.pending.set(job.target, job);
            this.queues[job.background ? 'background' : 'exec'].unshift(job);
            await new Promise((r) => setTimeout(r, Math.min(waitMs, BUDGET_SLICE_MS)));
            continue;
          }
          if (!(await this.hash(job, miss))) {
            // a background file gave way to execs that arrived while it was read: it starts again later
            this.pending.set(job.target, job);
            this.queues.background.unshift(job);
          }
        }
      } catch {
        this.finish(job, null, 'unreadable');
      }
      this.current = undefined;
      this.wakeSettled();
      // cache hits are synchronous: give the event loop a turn every 256 of them (~1 ms)
      if (++sinceYield >= 256) {
        sinceYield = 0;
        this.pathStats.clear();
        await new Promise((r) => setImmediate(r));
      }
    }
    this.pathStats.clear();
    this.current = undefined;
    this.running = false;
    this.wakeSettled();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private next(): Job | undefined {
    return this.queues.exec.shift() ?? this.queues.background.shift();
  }

  /**
   * Where the image is and what it is: /proc/PID/exe while the process lives (stat follows the link
   * to the file the process runs, deleted or a memfd), else the path it ran. One stat, no exception
   * for a process that is gone (throwing one cost more than the rest of a cache hit).
   */
  private locate(job: Job): { paths: string[]; st: Stats } | undefined {
    const paths: string[] = [];
    if (!job.target.exited) paths.push(`${this.options.procRoot}/${job.target.pid}/exe`);
    if (job.exe.startsWith('/')) paths.push(job.exe);
    for (let i = 0; i < paths.length; i++) {
      const p = paths[i]!;
      const byPath = !p.startsWith(this.options.procRoot);
      let st = byPath ? this.pathStats.get(p) : undefined;
      if (st === undefined && !(byPath && this.pathStats.has(p))) {
        try {
          // pid reuse between the exit and this stat (a few ms) would need the pid space to wrap: ignored
          st = statSync(p, { throwIfNoEntry: false });
        } catch {
          // not ours to read (EACCES) or a zombie's empty link: try the next
        }
        if (byPath) this.pathStats.set(p, st);
      }
      if (st) return { paths: i === 0 ? paths : paths.slice(i), st };
    }
    return undefined;
  }

  /** Open the first of `paths` that is still the file `key` names. */
  private open(paths: string[], key: string): number | undefined {
    for (const p of paths) {
      let fd: number | undefined;
      try {
        fd = openSync(p, 'r');
        if (identity(fstatSync(fd)) === key) return fd;
      } catch {
        // the process exited meanwhile: its path may still be the same file
      }
      if (fd !== undefined) closeSync(fd);
    }
    return undefined;
  }

  /** Answer a job from the cache, the size cap or a failed stat; what must be read is returned. */
  private lookup(job: Job): { paths: string[]; key: string; size: number } | undefined {
    const where = this.locate(job);
    if (!where || !where.st.isFile()) {
      this.finish(job, null, 'unreadable');
      return undefined;
    }
    const key = identity(where.st);
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      this.finish(job, hit, hit === null ? 'too_large' : 'cached');
      return undefined;
    }
    const size = Number(where.st.size);
    if (size > this.options.maxFileBytes) {
      this.remember(key, null);
      this.finish(job, null, 'too_large');
      return undefined;
    }
    return { paths: where.paths, key, size };
  }

  /**
   * Read and hash a file the cache does not know (its bytes taken from the budget). Resolves false
   * when a background file stopped for execs that arrived meanwhile (nothing finished).
   */
  private async hash(job: Job, { paths, key, size }: { paths: string[]; key: string; size: number }): Promise<boolean> {
    const fd = this.open(paths, key);
    if (fd === undefined) {
      this.finish(job, null, 'unreadable');
      return true;
    }
    try {
      const hash = createHash('sha256');
      const buf = (this.buffer ??= Buffer.allocUnsafe(this.options.chunkBytes));
      let pos = 0;
      for (;;) {
        const { bytesRead } = await readAsync(fd, buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        hash.update(buf.subarray(0, bytesRead));
        pos += bytesRead;
        if (pos > this.options.maxFileBytes) break;
        if (job.background && this.queues.exec.size > 0) return false;
      }
      this.bytesHashed += pos;
      if (identity(fstatSync(fd)) !== key || pos !== size) {
        // written while we read: neither cached nor reported (the next exec hashes the new content)
        this.finish(job, null, 'changed');
        return true;
      }
      const hex = hash.digest('hex');
      this.remember(key, hex);
      this.finish(job, hex, 'hashed');
      return true;
    } finally {
      closeSync(fd);
    }
  }

  private finish(job: Job, hash: string | null, outcome: ExeHashOutcome): void {
    this.counters[outcome]++;
    // a process that exec'd something else meanwhile has a newer request (or will): keep its null
    if (job.target.exe === job.exe) job.target.exeHash = hash;
  }

  private remember(key: string, hash: string | null): void {
    this.cache.set(key, hash);
    while (this.cache.size > this.options.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Token bucket over bytes read: takes `bytes` and answers 0, or answers how many ms until it could. */
  private take(bytes: number): number {
    const { bytesPerSecond, maxFileBytes } = this.options;
    const now = Date.now();
    this.tokens = Math.min(maxFileBytes, this.tokens + ((now - this.lastRefill) / 1000) * bytesPerSecond);
    this.lastRefill = now;
    if (this.tokens >= bytes) {
      this.tokens -= bytes;
      return 0;
    }
    return Math.max(1, Math.ceil(((bytes - this.tokens) / bytesPerSecond) * 1000));
  }
}
