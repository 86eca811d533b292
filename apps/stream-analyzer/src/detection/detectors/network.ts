import { clampScore, historyPhrase, type DetectionContext, type Finding, type Severity } from '../finding';

/** (e) Network: connect/accept/bind/listen by op, family, address class and port never seen for this program. */
export function networkDetector(ctx: DetectionContext): Finding[] {
  const { baseline: b, features: f } = ctx;
  const out: Finding[] = [];
  for (const key of f.network.keys()) {
    if (b.network.has(key)) continue;
    const [op, family, where] = key.split(' ') as [string, string, string];
    const cls = where.split(':')[0]!;
    const external = cls === 'public';
    const listening = op === 'BIND' || op === 'LISTEN';
    const severity: Severity = external ? 'medium' : listening && cls === 'any' ? 'medium' : 'low';
    const example = f.networkExamples.get(key) ?? where;
    const verb = { CONNECT: 'connected to', ACCEPT: 'accepted a connection from', BIND: 'bound', LISTEN: 'listened on', OTHER: 'used' }[op] ?? 'used';
    out.push({
      detector: 'network',
      key,
      kind: 'novel-network-activity',
      title: `${ctx.program.exe} ${verb} ${example} (${cls}, ${family.toLowerCase()})`,
      severity,
      score: clampScore((external ? 55 : 35) + (listening ? 10 : 0)),
      mitre: op === 'CONNECT' ? (external ? 'T1071' : null) : listening ? 'T1571' : null,
      evidence: `${verb} ${example} (${op.toLowerCase()} ${family.toLowerCase()} ${where}) — never seen in ${historyPhrase(b)}`,
      data: { op, family, addressClass: cls, example, count: f.network.get(key) },
      acceptance: { network: [key] },
    });
  }
  return out;
}
