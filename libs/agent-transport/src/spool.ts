import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, listRegularFiles, readFileNoFollow, UnsafeSpoolPathError, writeFileNoFollow } from './no-follow';

/** One spooled batch (oldest first by `name`). */
export interface SpoolEntry {
  name: string;
  bytes: number;
}

/** What the spool did, for logs and the agent's drop counters. */
export interface SpoolObserver {
  /** Batches evicted because the spool was full (oldest first) — never silent. */
  evicted(entry: SpoolEntry, totalEvicted: number): void;
  /** A name in the spool that is not a regular file (a symlink, a FIFO…): never followed nor sent. */
  refused?(err: UnsafeSpoolPathError): void;
}

const SUFFIX = '.batch';
/** Suffix of urgent batches (see put): sent before the others, evicted like them (oldest first). */
const URGENT_SUFFIX = '.urgent.batch';

/**
 * Bounded on-disk queue of encoded batches, so a gateway or network outage loses nothing until
 * `maxBytes`; beyond it the OLDEST batches are evicted first and counted (`evictedTotal`,
 * persisted in `evicted.count` so a restart does not reset it).
 *
 * Files are `<16-digit sequence>-<batch id>.batch`, written to a temp name, fsynced, then renamed:
 * a crash leaves either the whole batch or nothing. Name order = sequence order = send order, except
 * that urgent batches (`….urgent.batch`: a few records a rule can match) go out before the others
 * waiting, so a backlog of large windows does not hold an alert back.
 *
 * The directory must be the agent's own (not a symlink, not writable by others), and no path in it
 * is followed if it is a symlink: files are opened O_NOFOLLOW and checked with fstat (no-follow.ts),
 * so a link planted by another user can neither leak a file the agent can read into a batch nor make
 * the agent overwrite one.
 */
export class Spool {
  private entries: SpoolEntry[] = [];
  private totalBytes = 0;
  private evicted = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly observer?: SpoolObserver,
  ) {
    ensurePrivateDir(dir);
    // rmSync unlinks a link itself (never its target); a directory under a .tmp name is left alone.
    for (const f of readdirSync(dir)) if (f.endsWith('.tmp') && !lstatSync(join(dir, f)).isDirectory()) rmSync(join(dir, f), { force: true });
    const { files, refused } = listRegularFiles(dir, readdirSync(dir).filter((f) => f.endsWith(SUFFIX)).sort());
    for (const err of refused) this.observer?.refused?.(err);
    this.entries = files;
    this.totalBytes = this.entries.reduce((s, e) => s + e.bytes, 0);
    try {
      this.evicted = Number(readFileNoFollow(join(dir, 'evicted.count')).toString('utf8').trim()) || 0;
    } catch (err) {
      if (err instanceof UnsafeSpoolPathError) this.observer?.refused?.(err);
      this.evicted = 0;
    }
  }

  /** Batches waiting. */
  get length(): number {
    return this.entries.length;
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Batches evicted since the spool was created (survives restarts). */
  get evictedTotal(): number {
    return this.evicted;
  }

  /** Store a batch body; evicts the oldest batches while over `maxBytes` (a body larger than the cap is refused). */
  put(sequence: number, batchId: string, body: Buffer, urgent = false): SpoolEntry {
    if (body.length > this.maxBytes) throw new Error(`batch of ${body.length} bytes is larger than the whole spool (${this.maxBytes})`);
    const name = `${String(sequence).padStart(16, '0')}-${batchId.replace(/[^A-Za-z0-9-]/g, '')}${urgent ? URGENT_SUFFIX : SUFFIX}`;
    writeFileNoFollow(join(this.dir, name), body);
    const entry = { name, bytes: body.length };
    this.entries.push(entry);
    this.entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.totalBytes += body.length;
    while (this.totalBytes > this.maxBytes && this.entries.length > 1) {
      const oldest = this.entries[0]!;
      if (oldest === entry) break;
      this.remove(oldest);
      this.countLost();
      this.observer?.evicted(oldest, this.evicted);
    }
    return entry;
  }

  /** Count a batch lost without being spooled (larger than the whole spool): it shows in `evictedTotal`. */
  countLost(): void {
    this.evicted++;
    writeFileNoFollow(join(this.dir, 'evicted.count'), `${this.evicted}\n`, 0o600, false);
  }

  /** The next batch to send: the oldest urgent one, else the oldest. */
  peek(): SpoolEntry | undefined {
    return this.entries.find((e) => e.name.endsWith(URGENT_SUFFIX)) ?? this.entries[0];
  }

  /** The newest batch, if any. */
  newest(): SpoolEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  /** Body of a spooled batch; UnsafeSpoolPathError if it was replaced by a link or anything but a regular file. */
  read(entry: SpoolEntry): Buffer {
    return readFileNoFollow(join(this.dir, entry.name));
  }

  /** Rewrite a spooled batch's body in place (atomically; same name, same place in the queue). */
  replace(entry: SpoolEntry, body: Buffer): void {
    if (!this.entries.includes(entry)) return;
    writeFileNoFollow(join(this.dir, entry.name), body);
    this.totalBytes += body.length - entry.bytes;
    entry.bytes = body.length;
  }

  /** Delete a batch (delivered, or evicted). */
  remove(entry: SpoolEntry): void {
    const i = this.entries.indexOf(entry);
    if (i < 0) return;
    this.entries.splice(i, 1);
    this.totalBytes -= entry.bytes;
    rmSync(join(this.dir, entry.name), { force: true });
  }
}
