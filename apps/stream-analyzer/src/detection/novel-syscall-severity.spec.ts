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
