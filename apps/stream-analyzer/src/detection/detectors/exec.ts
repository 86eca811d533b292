import { clampScore, historyPhrase, type DetectionContext, type Finding } from '../finding';
import { isShell } from '../identity';

/** (d) Exec: parent program → child program never started before, or a known child with a new argv shape. */
export function execDetector(ctx: DetectionContext): Finding[] {
  const { baseline: b, features: f } = ctx;
  const out: Finding[] = [];
  for (const child of f.execChildren.keys()) {
    if (b.execChildren.has(child)) continue;
    const shell = isShell(child);
    out.push({
      detector: 'exec',
      key: `child ${child}`,
      kind: 'novel-child-program',
      title: `${ctx.program.exe} started ${child}`,
      severity: shell ? 'high' : 'medium',
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
