import { clampScore, historyPhrase, listPhrase, type DetectionContext, type Finding } from '../finding';

/** Dangerous-by-nature syscalls: a program that never made them starting to is more than odd. */
const HIGH_RISK = new Set(['ptrace', 'init_module', 'finit_module', 'delete_module', 'kexec_load', 'kexec_file_load', 'bpf', 'process_vm_writev', 'memfd_create', 'setuid', 'setresuid', 'setreuid', 'mount', 'pivot_root', 'unshare', 'setns', 'personality']);

/**
 * Calls that change what a process is or may do beyond its own files and memory — identity and
 * capabilities, another process's memory or descriptors, kernel and host state, the async and
 * page-fault interfaces exploits and evasive loaders use, and starting to serve connections (a bind
 * shell): a program that never made one starting to is a medium finding. Any other new call is a
 * low one: a known program taking another code path (journalctl's getdents64, tail's fstatfs, curl's
 * dup2, java's statx — each raised a medium alert after learning in bench/attack-sim's unseen admin
 * work) tells an analyst nothing on its own, and is still shown and folded with whatever else its
 * tree did.
 */
const NOTABLE = new Set([
  ...['capset', 'setgid', 'setregid', 'setresgid', 'setgroups', 'setfsuid', 'setfsgid', 'chroot'],
  ...['process_vm_readv', 'pidfd_getfd', 'process_madvise', 'kcmp', 'memfd_secret'],
  ...['keyctl', 'add_key', 'request_key', 'perf_event_open', 'userfaultfd', 'io_uring_setup', 'fanotify_init', 'open_by_handle_at', 'name_to_handle_at'],
  ...['iopl', 'ioperm', 'syslog', 'reboot', 'swapon', 'swapoff', 'settimeofday', 'clock_settime', 'adjtimex', 'clock_adjtime', 'sethostname', 'setdomainname', 'acct', 'quotactl', 'vhangup'],
  ...['umount2', 'mknod', 'mknodat', 'fsopen', 'fsconfig', 'fsmount', 'move_mount', 'open_tree', 'mount_setattr', 'create_module'],
  'listen',
]);

/** Severity of a program's first calls of these kinds. */
export function novelSyscallSeverity(novel: readonly string[]): 'high' | 'medium' | 'low' {
  if (novel.some((s) => HIGH_RISK.has(s))) return 'high';
  return novel.some((s) => NOTABLE.has(s)) ? 'medium' : 'low';
}

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
      severity: novelSyscallSeverity(novel),
      score: clampScore(40 + 10 * novel.length + 20 * risky.length),
      mitre: null,
      evidence: `called ${listPhrase(novel)} (${calls.toLocaleString('en-US')} call${calls === 1 ? '' : 's'}) — never seen in ${historyPhrase(b)}`,
      data: { novel, risky, notable: novel.filter((n) => NOTABLE.has(n)), calls, baselineRuns: b.runs },
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
