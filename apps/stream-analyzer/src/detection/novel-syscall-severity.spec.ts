import { kgramCounts } from '@vigil/schemas';
import { describe, expect, it } from 'vitest';
import { batch, proc } from '../../test/support/fixtures';
import { novelSyscallSeverity } from './detectors/syscall-frequency';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, type EngineOptions } from './engine';
import { loadRuleSet } from './rules/rule-directory';

const rules = loadRuleSet();
const S = 1_000;
const OPTS: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 90 * S };
const LEARNED = { read: 40, write: 40, openat: 10, close: 10, fstat: 10, accept: 5 };

/** nginx learns its usual calls for the endpoint's 90 s, then makes `extra` as well: the alerts of that window. */
function after(extra: Record<string, number>): { kind: string; severity: string }[] {
  const e = new DetectionEngine(rules, OPTS);
  let t = 0;
  for (; t <= 105 * S; t += 15 * S) e.processBatch(batch(t, [proc({ syscalls: LEARNED })]));
  return e.processBatch(batch(t, [proc({ syscalls: { ...LEARNED, ...extra } })])).alerts.map((a) => ({ kind: a.kind, severity: a.severity }));
}

describe('a known program making calls it never made before', () => {
  it('another code path (statx, fstatfs, getdents64, dup2) is a low finding, not an alert an analyst must triage', () => {
    expect(after({ statx: 3, fstatfs: 1, getdents64: 2, dup2: 1 })).toEqual([{ kind: 'novel-syscall', severity: 'low' }]);
  });

  it('starting to serve connections, or to change identity, is medium; a dangerous-by-nature call is high', () => {
    expect(after({ listen: 1, statx: 1 })).toEqual([{ kind: 'novel-syscall', severity: 'medium' }]);
    expect(after({ setgroups: 1 })).toEqual([{ kind: 'novel-syscall', severity: 'medium' }]);
    expect(after({ ptrace: 2, statx: 1 })).toEqual([{ kind: 'novel-syscall', severity: 'high' }]);
  });

  it('ranks by the most dangerous of the new calls', () => {
    expect(novelSyscallSeverity(['lseek', 'statx'])).toBe('low');
    expect(novelSyscallSeverity(['lseek', 'io_uring_setup'])).toBe('medium');
    expect(novelSyscallSeverity(['userfaultfd', 'memfd_create'])).toBe('high');
  });
});

describe('a known program making calls in orders it never used', () => {
  const ngrams = (ids: number[]) => [...kgramCounts(ids, 3)].map(([hash, count]) => ({ hash, count }));
  const usual = Array.from({ length: 60 }, (_, i) => [0, 1, 3][i % 3]!);
  const other = Array.from({ length: 60 }, (_, i) => [5, 8, 9, 12][i % 4]!);

  it('is a low finding while the program has too few runs to know how much it varies (no calibration yet)', () => {
    const e = new DetectionEngine(rules, OPTS);
    let t = 0;
    for (; t <= 105 * S; t += 15 * S) e.processBatch(batch(t, [proc({ syscalls: LEARNED, sequences: { k: 3, ngrams: ngrams(usual) } })]));
    const alerts = e.processBatch(batch(t, [proc({ syscalls: LEARNED, sequences: { k: 3, ngrams: ngrams(other) } })])).alerts;
    expect(alerts.map((a) => ({ kind: a.kind, severity: a.severity }))).toEqual([{ kind: 'novel-syscall-sequence', severity: 'low' }]);
  });
});

describe('new call orders under a command line the program never ran', () => {
  const ngrams = (ids: number[]) => [...kgramCounts(ids, 3)].map(([hash, count]) => ({ hash, count }));
  // rm deletes one file while the endpoint learns (a few call orders, slightly different each run),
  // then walks a directory tree: calls in orders it never used
  const oneFile = (n: number) => Array.from({ length: 60 + (n % 5) }, (_, i) => [0, 1, 3, 4][(i + (n % 3)) % 4]!);
  const tree = Array.from({ length: 60 }, (_, i) => [5, 8, 9, 12, 217][i % 5]!);
  const rm = (pid: number, argv: string[], ids: number[]) =>
    proc({ pid, exe: '/usr/bin/rm', uid: 0, gid: 0, ancestry: ['/usr/bin/bash'], files: [], network: [], syscalls: { unlinkat: 2, newfstatat: 2, close: 2 }, argv, sequences: { k: 3, ngrams: ngrams(ids) } });

  function afterLearning(argv: string[]) {
    const e = new DetectionEngine(rules, OPTS);
    let t = 0;
    let pid = 200;
    for (; t <= 100 * S; t += 4 * S, pid++) e.processBatch(batch(t, [rm(pid, ['rm', '-f', 'old.log'], oneFile(pid))]));
    return e.processBatch(batch(t, [rm(pid, argv, tree)])).alerts.filter((a) => a.kind === 'novel-syscall-sequence');
  }

  it('is medium under a command line the program learned: the same command behaving otherwise', () => {
    expect(afterLearning(['rm', '-f', 'old.log']).map((a) => a.severity)).toEqual(['medium']);
  });

  it('is low under a command line it never ran (rm -rf after rm -f), and says so', () => {
    const [a, ...more] = afterLearning(['rm', '-rf', '/tmp/build']);
    expect(more).toEqual([]);
    expect(a?.severity).toBe('low');
    expect(a?.evidence).toContain('under a command line it never ran (rm -rf /tmp');
  });
});
