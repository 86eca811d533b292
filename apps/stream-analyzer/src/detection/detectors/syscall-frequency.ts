import { clampScore, historyPhrase, listPhrase, type DetectionContext, type Finding } from '../finding';

/** Dangerous-by-nature syscalls: a program that never made them starting to is more than odd. */
const HIGH_RISK = new Set(['ptrace', 'init_module', 'finit_module', 'delete_module', 'kexec_load', 'kexec_file_load', 'bpf', 'process_vm_writev', 'memfd_create', 'setuid', 'setresuid', 'setreuid', 'mount', 'pivot_root', 'unshare', 'setns', 'personality']);

/** (a) Syscall frequency profile: never-made syscalls, and distribution shift vs. the program's own history. */
export function syscallFrequencyDetector(ctx: DetectionContext): Finding[] {
  const { baseline: b, features: f, thresholds: t } = ctx;
  const out: Finding[] = [];
  const novel = b.syscalls.novel(f.syscalls).sort();
  if (novel.length > 0) {
    const risky = novel.filter((s) => HIGH_RISK.has(s));
    const calls = novel.reduce((s, n) => s + (f.syscalls.get(n) ?? 0), 0);
    out.push({
      detector: 'syscall-frequency',
      key: 'novel-syscalls',
      kind: 'novel-syscall',
      title: `${ctx.program.exe} made system calls it never made before`,
      severity: risky.length > 0 ? 'high' : 'medium',
      score: clampScore(40 + 10 * novel.length + 20 * risky.length),
      mitre: null,
      evidence: `called ${listPhrase(novel)} (${calls.toLocaleString('en-US')} call${calls === 1 ? '' : 's'}) — never seen in ${historyPhrase(b)}`,
      data: { novel, risky, calls, baselineRuns: b.runs },
      acceptance: { syscalls: novel },
    });
  }
  const total = [...f.syscalls.values()].reduce((s, n) => s + n, 0);
  if (total >= t.minCallsForShift && b.syscalls.observations > 0) {
    const distance = b.syscalls.shift(f.syscalls);
    if (distance > t.shiftDistance) {
      out.push({
        detector: 'syscall-frequency',
        key: 'profile-shift',
        kind: 'syscall-profile-shift',
        title: `${ctx.program.exe} used system calls in an unusual mix`,
        severity: 'low',
        score: clampScore(20 + 80 * distance),
        mitre: null,
        evidence: `syscall mix ${(distance * 100).toFixed(0)}% away from the closest of its usual profiles (${total.toLocaleString('en-US')} calls; ${historyPhrase(b)})`,
        data: { distance, calls: total, threshold: t.shiftDistance },
      });
    }
  }
  return out;
}
