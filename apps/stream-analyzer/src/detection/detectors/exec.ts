import { clampScore, historyPhrase, type DetectionContext, type Finding } from '../finding';
import { basename, isShell } from '../identity';

/**
 * Programs whose job is to start what their user asks for (privilege and session tools, wrappers):
 * a child they never started before is routine admin work, not a deviation of the program.
 * (pkexec is left out on purpose: it is an exploitation target, CVE-2021-4034.)
 */
const LAUNCHERS = new Set(['sudo', 'su', 'doas', 'runuser', 'login', 'sshd', 'sshd-session', 'tmux', 'screen', 'script', 'env', 'xargs', 'nohup', 'timeout', 'nice', 'ionice', 'setsid', 'watch', 'time', 'flock', 'chrt', 'taskset', 'stdbuf', 'systemd-run', 'run-parts', 'make', 'ssh']);

/** (d) Exec: parent program → child program never started before, or a known child with a new argv shape. */
export function execDetector(ctx: DetectionContext): Finding[] {
  const { baseline: b, features: f } = ctx;
  const out: Finding[] = [];
  const launcher = LAUNCHERS.has(basename(ctx.program.exe)) || isShell(ctx.program.exe);
  for (const child of f.execChildren.keys()) {
    if (b.execChildren.has(child)) continue;
    const shell = isShell(child);
    // a launcher starting something new, or any program starting a program the endpoint already runs, is routine
    const severity = launcher ? 'low' : shell ? 'high' : ctx.knownProgram?.(child) ? 'low' : 'medium';
    out.push({
      detector: 'exec',
      key: `child ${child}`,
      kind: 'novel-child-program',
      title: `${ctx.program.exe} started ${child}`,
      severity,
      score: clampScore(shell ? 75 : 50),
      mitre: shell ? 'T1059.004' : 'T1106',
      evidence: `started ${child} — never seen in ${historyPhrase(b)}`,
      data: { child, shell },
      acceptance: { execChildren: [child], execShapes: [...f.execShapes.keys()].filter((k) => k.startsWith(`${child} | `)) },
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
