import { clampScore, historyPhrase, type DetectionContext, type Finding } from '../finding';
import { basename, isShell } from '../identity';

/**
 * Programs whose job is to start what their user asks for (privilege and session tools, wrappers):
 * a child they never started before is routine admin work, not a deviation of the program.
 * (pkexec is left out on purpose: it is an exploitation target, CVE-2021-4034.)
 */
const LAUNCHERS = new Set(['sudo', 'su', 'doas', 'runuser', 'login', 'sshd', 'sshd-session', 'tmux', 'screen', 'script', 'env', 'xargs', 'nohup', 'timeout', 'nice', 'ionice', 'setsid', 'watch', 'time', 'flock', 'chrt', 'taskset', 'stdbuf', 'systemd-run', 'run-parts', 'make', 'ssh']);

/**
 * Discovery tools (ATT&CK technique, what it finds out). A shell that starts one it has never
 * started on this endpoint is reconnaissance until learned: an intruder's first commands are these,
 * while the host's own scripts and administrators ran theirs during learning (the routine stays
 * silent; the first `arp -a` or `lsmod` after it does not). Tools too common or too general to tell
 * anything (ls, cat, date, systemctl — which restarts services far more often than it lists them)
 * are left out, and so are sudo and other launchers (an administrator's `sudo ss -tlnp`).
 */
export const DISCOVERY_TOOLS: ReadonlyMap<string, readonly [technique: string, what: string]> = new Map<string, readonly [string, string]>([
  ...['ifconfig', 'ip', 'route', 'iwconfig', 'nmcli', 'resolvectl', 'iptables-save', 'brctl'].map((t) => [t, ['T1016', 'network configuration discovery']] as const),
  ...['arp', 'arping', 'traceroute', 'tracepath'].map((t) => [t, ['T1018', 'remote system discovery']] as const),
  ...['netstat', 'ss', 'lsof', 'conntrack'].map((t) => [t, ['T1049', 'network connection discovery']] as const),
  ...['who', 'w', 'users', 'whoami', 'id', 'logname', 'finger', 'pinky'].map((t) => [t, ['T1033', 'user discovery']] as const),
  ...['last', 'lastlog', 'lastb', 'getent'].map((t) => [t, ['T1087.001', 'account discovery']] as const),
  ...['groups', 'members', 'lid'].map((t) => [t, ['T1069.001', 'permission group discovery']] as const),
  ...['ps', 'pstree', 'pgrep', 'top', 'htop'].map((t) => [t, ['T1057', 'process discovery']] as const),
  ...['uname', 'hostname', 'hostnamectl', 'lscpu', 'lsblk', 'dmesg', 'uptime', 'free', 'df', 'mount', 'findmnt', 'dmidecode', 'lshw', 'inxi', 'neofetch'].map((t) => [t, ['T1082', 'system information discovery']] as const),
  ...['lsmod', 'modinfo', 'kmod'].map((t) => [t, ['T1652', 'device driver discovery']] as const),
  ...['lspci', 'lsusb', 'lsscsi'].map((t) => [t, ['T1120', 'peripheral device discovery']] as const),
  ...['timedatectl'].map((t) => [t, ['T1124', 'system time discovery']] as const),
  ...['locale', 'localectl'].map((t) => [t, ['T1614.001', 'system language discovery']] as const),
  ...['showmount', 'smbclient', 'smbstatus', 'smbtree'].map((t) => [t, ['T1135', 'network share discovery']] as const),
  ...['systemd-detect-virt', 'virt-what'].map((t) => [t, ['T1497.001', 'virtualization discovery']] as const),
]);

/** (d) Exec: parent program → child program never started before, or a known child with a new argv shape. */
export function execDetector(ctx: DetectionContext): Finding[] {
  const { baseline: b, features: f } = ctx;
  const out: Finding[] = [];
  const fromShell = isShell(ctx.program.exe);
  const launcher = fromShell || LAUNCHERS.has(basename(ctx.program.exe));
  // children of the image the process replaced in this window (`sh -c 'sqlite3 …; rm …'` ends as rm)
  // are not the named program's doing, so nothing it started is judged as its child; what forks
  // children and then execs in place is a shell running a command list, so a first discovery tool
  // among them is a finding as a shell's would be (an intruder's `id; uname -a; exec …` must not hide in it)
  const children = [...[...f.execChildren.keys()].map((c) => [c, false] as const), ...[...f.preExecChildren.keys()].map((c) => [c, true] as const)];
  for (const [child, beforeOwnExec] of children) {
    if (b.execChildren.has(child)) continue;
    const shell = isShell(child);
    const recon = fromShell || beforeOwnExec ? DISCOVERY_TOOLS.get(basename(child)) : undefined;
    if (beforeOwnExec && !recon) continue;
    // a launcher starting something new, or any program starting a program the endpoint already runs, is routine
    const severity = recon ? 'medium' : launcher ? 'low' : shell ? 'high' : ctx.knownProgram?.(child) ? 'low' : 'medium';
    const starter = beforeOwnExec ? `the process that became ${ctx.program.exe}` : ctx.program.exe;
    out.push({
      detector: 'exec',
      key: `child ${child}`,
      kind: 'novel-child-program',
      title: `${starter} started ${child}${recon ? ` (${recon[1]})` : ''}${beforeOwnExec ? ' before that exec' : ''}`,
      severity,
      score: clampScore(shell || recon ? 75 : 50),
      mitre: recon ? recon[0] : shell ? 'T1059.004' : 'T1106',
      evidence: `started ${child}${beforeOwnExec ? ` before replacing its own image with ${ctx.program.exe}` : ''} — never seen in ${historyPhrase(b)}${recon ? `: ${recon[1]} (${recon[0]})` : ''}`,
      data: beforeOwnExec ? { child, shell, beforeOwnExec } : { child, shell },
      // the window's argument shapes are those of what the program it became started
      acceptance: beforeOwnExec ? { execChildren: [child] } : { execChildren: [child], execShapes: [...f.execShapes.keys()].filter((k) => k.startsWith(`${child} | `)) },
    });
  }
  for (const shape of f.execShapes.keys()) {
    const child = shape.slice(0, shape.indexOf(' | '));
    if (b.execShapes.has(shape) || !b.execChildren.has(child)) continue;
    out.push({
      detector: 'exec',
      // one group per child program: each new argument shape of the same child joins its open alert
      key: `argv ${child}`,
      kind: 'novel-command-line',
      title: `${ctx.program.exe} ran ${child} with unusual arguments`,
      severity: 'low',
      score: clampScore(30),
      mitre: null,
      evidence: `ran \`${shape.slice(child.length + 3)}\` — this argument shape never seen in ${historyPhrase(b)}`,
      data: { child, shape },
      acceptance: { execShapes: [shape] },
    });
  }
  return out;
}
