import { clampScore, historyPhrase, humanDuration, type BurstSpec, type DetectionContext, type Finding, type FindingGroup, type Severity } from '../finding';
import { basename } from '../identity';
import type { NetworkOp } from '../telemetry';

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
      group: op === 'CONNECT' && family !== 'UNIX' ? connectGroup(ctx.program.exe, op, family, f.networkOps.get(key) ?? []) : undefined,
    });
  }
  return out;
}

/**
 * New ports on one address fold into one alert per program; many of them within the group window
 * are a scan, named as such ("bash connected to 1,024 new ports on 127.0.0.1 in 3 s", T1046).
 */
function connectGroup(exe: string, op: string, family: string, ops: NetworkOp[]): FindingGroup | undefined {
  if (ops.length === 0) return undefined;
  const addr = ops[0]!.addr;
  const times = ops.map((o) => Number(o.firstSeen));
  return {
    key: `${op} ${family} ${addr}`,
    items: [...new Set(ops.map((o) => String(o.port)))],
    from: Math.min(...times),
    to: Math.max(...times),
    burst: portScan(exe, addr),
  };
}

function portScan(exe: string, addr: string): BurstSpec {
  return {
    kind: 'port-scan',
    severity: 'high',
    mitre: 'T1046',
    describe: (n, spanMs, examples) => ({
      title: `${basename(exe)} connected to ${n.toLocaleString('en-US')} new ports on ${addr} in ${spanMs < 1_000 ? 'less than a second' : `${Math.max(1, Math.round(spanMs / 1_000)).toLocaleString('en-US')} s`}`,
      evidence: `connected to ${n.toLocaleString('en-US')} ports on ${addr} it never used before (e.g. ${examples.slice(0, 8).join(', ')}) within ${humanDuration(spanMs)} — network service discovery`,
    }),
  };
}
