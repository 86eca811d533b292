import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExeHasher, type HashTarget } from './exe-hasher';

const dir = mkdtempSync(join(tmpdir(), 'vigil-exe-hasher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
/** A process that is gone: the hasher can only read its exe path. */
const gone = (exe: string): HashTarget => ({ pid: 0x7ffffff0, exe, exited: true, exeHash: null });
const file = (name: string, content: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('ExeHasher', () => {
  it('hashes by path a process that is gone, and answers the same file from the cache', async () => {
    const h = new ExeHasher();
    const p = file('prog', 'one program\n');
    const a = gone(p);
    const b = gone(p);
    h.request(a);
    expect(a.exeHash).toBeNull(); // request() only queues
    await h.idle();
    h.request(b);
    await h.idle();
    expect(a.exeHash).toBe(sha256(p));
    expect(b.exeHash).toBe(a.exeHash);
    expect(h.counters).toMatchObject({ hashed: 1, cached: 1 });
  });

  it('a rewritten file (same path, new content) hashes anew: the identity includes size, mtime and ctime', async () => {
    const h = new ExeHasher();
    const p = file('updated', 'version 1\n');
    const v1 = gone(p);
    h.request(v1);
    await h.idle();
    writeFileSync(p, 'version 2, longer\n');
    const v2 = gone(p);
    h.request(v2);
    await h.idle();
    expect(v1.exeHash).not.toBe(v2.exeHash);
    expect(v2.exeHash).toBe(sha256(p));
    expect(h.counters.hashed).toBe(2);
  });

  it('hashes a running program whose file was deleted, through /proc/PID/exe', async () => {
    const exe = join(dir, 'sleeper');
    copyFileSync('/bin/sleep', exe);
    chmodSync(exe, 0o755);
    const expected = sha256(exe);
    const child = spawn(exe, ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      unlinkSync(exe);
      const t: HashTarget = { pid: child.pid!, exe, exited: false, exeHash: null };
      const h = new ExeHasher();
      h.request(t);
      await h.idle();
      expect(t.exeHash).toBe(expected);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('leaves files over the size cap unhashed (null) and counts them, without reading them again', async () => {
    const h = new ExeHasher({ maxFileBytes: 1024 });
    const p = file('big', Buffer.alloc(4096, 1));
    const a = gone(p);
    const b = gone(p);
    h.request(a);
    await h.idle();
    h.request(b);
    await h.idle();
    expect([a.exeHash, b.exeHash]).toEqual([null, null]);
    expect(h.counters.too_large).toBe(2);
    expect(h.bytesHashed).toBe(0);
  });

  it('bounds the cache: the least recently used identity is forgotten', async () => {
    const h = new ExeHasher({ cacheEntries: 1 });
    const [x, y] = [file('lru-x', 'x'), file('lru-y', 'y')];
    for (const p of [x, x, y, x]) {
      h.request(gone(p));
      await h.idle();
    }
    expect(h.counters).toMatchObject({ hashed: 3, cached: 1 });
    expect(h.cached).toBe(1);
  });

  it('a missing file is unreadable (null), not an error', async () => {
    const h = new ExeHasher();
    const t = gone(join(dir, 'no-such-file'));
    h.request(t);
    await h.idle();
    expect(t.exeHash).toBeNull();
    expect(h.counters.unreadable).toBe(1);
  });

  it('bounds the queue: requests beyond maxPending are skipped and counted', async () => {
    const h = new ExeHasher({ maxPending: 2 });
    const ts = [0, 1, 2, 3, 4].map((i) => gone(file(`q${i}`, `q${i}`)));
    for (const t of ts) h.request(t);
    await h.idle();
    expect(ts.map((t) => t.exeHash !== null)).toEqual([true, true, false, false, false]);
    expect(h.counters.skipped).toBe(3);
  });

  it('one request per process while queued (a process that execs twice before the queue runs is hashed once, for its last image)', async () => {
    const h = new ExeHasher();
    const first = file('first', 'first');
    const second = file('second', 'second');
    const t = gone(first);
    h.request(t);
    t.exe = second;
    h.request(t);
    await h.idle();
    expect(t.exeHash).toBe(sha256(second));
    expect(h.counters.hashed).toBe(1);
  });

  it('serves execs before the processes found in /proc, and an exec promotes a process already queued in the background', async () => {
    const order: string[] = [];
    const recorded = (name: string): HashTarget => {
      let hash: string | null = null;
      return {
        pid: 0x7ffffff0,
        exe: file(`prio-${name}`, name),
        exited: true,
        get exeHash() {
          return hash;
        },
        set exeHash(v) {
          hash = v;
          if (v) order.push(name);
        },
      };
    };
    const h = new ExeHasher();
    const [seed1, seed2, promoted, exec] = ['seed1', 'seed2', 'promoted', 'exec'].map(recorded);
    h.request(seed1!, true);
    h.request(seed2!, true);
    h.request(promoted!, true);
    h.request(exec!);
    h.request(promoted!);
    await h.idle();
    expect(order).toEqual(['exec', 'promoted', 'seed1', 'seed2']);
    expect(h.counters.hashed).toBe(4);
  });

  it('a cache hit of an exec is answered while a file waits for the byte rate', async () => {
    const size = 256 * 1024;
    const h = new ExeHasher({ maxFileBytes: size, bytesPerSecond: size, chunkBytes: 64 * 1024 });
    const known = gone(file('known', 'known'));
    h.request(known);
    await h.idle();
    const [b1, b2] = [gone(file('slow1', Buffer.alloc(size, 1))), gone(file('slow2', Buffer.alloc(size, 2)))];
    h.request(b1, true);
    h.request(b2, true); // waits ~1 s for the rate
    await new Promise((r) => setTimeout(r, 100));
    const again = gone(known.exe);
    h.request(again);
    await new Promise((r) => setTimeout(r, 100));
    expect(again.exeHash).toBe(known.exeHash);
    expect(b2.exeHash).toBeNull();
    await h.idle();
    expect(b2.exeHash).toBe(sha256(b2.exe));
  });

  it('a background file being read gives way to an exec that arrives, and is hashed after it', async () => {
    const h = new ExeHasher({ chunkBytes: 4096 });
    const big = gone(file('background-big', Buffer.alloc(4 * 1024 * 1024, 7)));
    const small = gone(file('exec-small', 'small'));
    h.request(big, true);
    await new Promise((r) => setTimeout(r, 5)); // the big file is being read, 4 KiB a turn
    h.request(small);
    await h.execsSettled(5_000);
    expect(small.exeHash).toBe(sha256(small.exe));
    expect(big.exeHash).toBeNull();
    await h.idle();
    expect(big.exeHash).toBe(sha256(big.exe));
  });

  it('execsSettled waits for queued execs, never longer than asked', async () => {
    const h = new ExeHasher({ maxFileBytes: 1024 * 1024, bytesPerSecond: 1024 });
    await h.execsSettled(1); // nothing queued: at once
    const slow = gone(file('settle-slow', Buffer.alloc(1024 * 1024 + 1 - 1, 3)));
    const first = gone(file('settle-first', Buffer.alloc(1024 * 1024, 4)));
    h.request(first); // takes the whole burst
    h.request(slow); // then waits ~1000 s for the rate
    const started = Date.now();
    await h.execsSettled(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(first.exeHash).toBe(sha256(first.exe));
    expect(slow.exeHash).toBeNull();
  });

  it('rate-limits reading and keeps the event loop turning while it hashes', async () => {
    const size = 256 * 1024;
    const h = new ExeHasher({ maxFileBytes: size, bytesPerSecond: 4 * size, chunkBytes: 64 * 1024 });
    const ts = [0, 1, 2, 3, 4].map((i) => gone(file(`rate${i}`, Buffer.alloc(size, i))));
    let maxGap = 0;
    let last = Date.now();
    const tick = setInterval(() => {
      maxGap = Math.max(maxGap, Date.now() - last);
      last = Date.now();
    }, 5);
    const started = Date.now();
    for (const t of ts) h.request(t);
    await h.idle();
    clearInterval(tick);
    // the burst covers one file, the other four wait for 4 × size at 4 × size per second
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(ts.every((t) => t.exeHash !== null)).toBe(true);
    expect(maxGap).toBeLessThan(200);
  });
});
