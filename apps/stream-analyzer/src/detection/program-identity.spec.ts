import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, type EngineOptions } from './engine';
import { INDEXED_PATH_BYTES, indexedPath, programExe, programIdentity } from './identity';
import { loadRuleSet } from './rules/rule-directory';
import type { ProcessActivity } from './telemetry';
import { batch, proc } from '../../test/support/fixtures';

const rules = loadRuleSet();
const S = 1_000;
const MIN = 60 * S;
const OPTS: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 90 * S, programLearningPeriodMs: 10 * MIN, relearnPeriodMs: 5 * MIN, groupWindowMs: 30 * MIN };
const hash = (n: number): string => n.toString(16).padStart(2, '0').repeat(32);
const H1 = hash(1);
const H2 = hash(2);

/** nginx's routine window, under a given exe hash (null: the agent could not hash it). */
const nginx = (pid: number, exeHash: string | null, over: Partial<ProcessActivity> = {}): ProcessActivity => proc({ pid, startTimeNs: BigInt(pid), exeHash, ...over });

/** An endpoint past its learning period with nginx (hash H1) running; returns the next event time. */
function learned(e: DetectionEngine): number {
  let t = 0;
  for (let i = 0; t <= OPTS.learningPeriodMs + 15 * S; i++, t += 15 * S) expect(e.processBatch(batch(t, [nginx(100 + i, H1)])).alerts).toEqual([]);
  return t;
}

/**
 * Program identity with the agent's exe hashes (identity.ts): a new build at a known path re-learns
 * from the old one instead of alerting, and hashes that come and go (a build the agent could not
 * hash, a file rebuilt again and again) make new program keys but no alerts.
 */
describe('program keys of long paths (PostgreSQL indexes them: at most 2,704 bytes an entry)', () => {
  const dirs = (seed: string): string => Array.from({ length: 20 }, (_, i) => `/${seed}${String(i).padStart(3, '0')}${'q'.repeat(190)}`).join('');

  it('keeps a path up to 1 KiB as it is, and a longer one as its start, a mark and a digest of the whole', () => {
    expect(indexedPath('/usr/bin/bash')).toBe('/usr/bin/bash');
    const long = `${dirs('a')}/tool`;
    const key = indexedPath(long);
    expect(Buffer.byteLength(key)).toBeLessThanOrEqual(INDEXED_PATH_BYTES);
    expect(key).toMatch(/^\/a000q+\/a001.*…sha256:[0-9a-f]{16}$/);
    expect(indexedPath(long)).toBe(key);
    // the same start, another end: another key
    expect(indexedPath(`${dirs('a')}/other`)).not.toBe(key);
    expect(programIdentity({ exe: long, exeHash: hash(1) })).toEqual({ exe: long, exeHash: hash(1), key: `${key}#${hash(1).slice(0, 16)}` });
    // the path of a key, with or without an exe hash, is the indexed path (acceptances match programs by it)
    expect([programExe(programIdentity({ exe: long }).key), programExe(programIdentity({ exe: long, exeHash: hash(1) }).key)]).toEqual([key, key]);
  });

  it('cuts a long path of multi-byte characters on a character boundary', () => {
    const key = indexedPath(`/${'é'.repeat(3000)}`);
    expect(key).not.toContain('\uFFFD');
    expect(key.startsWith(`/${'é'.repeat(449)}…sha256:`)).toBe(true);
  });
});

describe('program identity by exe hash', () => {
  it('keys a hashed program by path and hash prefix, an unhashed one by path', () => {
    expect(programIdentity({ exe: '/usr/sbin/nginx', exeHash: H1.toUpperCase() }).key).toBe(`/usr/sbin/nginx#${H1.slice(0, 16)}`);
    expect(programIdentity({ exe: '/usr/sbin/nginx', exeHash: null }).key).toBe('/usr/sbin/nginx');
  });

  it('a new hash at the same path (package update) re-learns from the old build: no first-run finding, rules still apply', () => {
    const e = new DetectionEngine(rules, OPTS);
    let t = learned(e);
    const r = e.processBatch(batch(t, [nginx(200, H2)]));
    expect(r.alerts).toEqual([]);
    const b = e.baseline('ep-1', programIdentity({ exe: '/usr/sbin/nginx', exeHash: H2 }).key)!;
    expect(b.origin).toBe('update');
    expect(b.active).toBe(false);
    expect(b.files.has('read /var/www/html/index.html')).toBe(true); // started from the H1 build's baseline
    t += 15 * S;
    const shadow = e.processBatch(batch(t, [nginx(201, H2, { files: [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: 0 }] })]));
    expect(shadow.alerts.map((a) => a.kind)).toEqual(['credential-file-read']);
  });

  it('hashes that come and go (null when the agent could not hash the file) raise nothing', () => {
    const e = new DetectionEngine(rules, OPTS);
    let t = learned(e);
    const alerts = [];
    for (const [i, h] of [null, H1, null, H1, null].entries()) alerts.push(...e.processBatch(batch((t += 15 * S), [nginx(300 + i, h)])).alerts);
    expect(alerts).toEqual([]);
    expect(e.baseline('ep-1', '/usr/sbin/nginx')!.origin).toBe('update');
  });

  it('a file rebuilt again and again at one path (a developer loop): a baseline per build, never an alert', () => {
    const e = new DetectionEngine(rules, OPTS);
    let t = learned(e);
    const alerts = [];
    for (let i = 10; i < 60; i++) alerts.push(...e.processBatch(batch((t += 15 * S), [nginx(400 + i, hash(i))])).alerts);
    expect(alerts).toEqual([]);
    for (let i = 10; i < 60; i++) expect(e.baseline('ep-1', programIdentity({ exe: '/usr/sbin/nginx', exeHash: hash(i) }).key)?.origin).toBe('update');
  });

  it('during the endpoint learning period a new build simply learns (no update window needed)', () => {
    const e = new DetectionEngine(rules, OPTS);
    expect(e.processBatch(batch(0, [nginx(1, H1)])).alerts).toEqual([]);
    expect(e.processBatch(batch(10 * S, [nginx(2, H2)])).alerts).toEqual([]);
    expect(e.baseline('ep-1', programIdentity({ exe: '/usr/sbin/nginx', exeHash: H2 }).key)!.origin).toBe('endpoint');
  });
});
