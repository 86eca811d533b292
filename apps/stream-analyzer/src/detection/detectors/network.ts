import { clampScore, historyPhrase, humanDuration, type BurstSpec, type DetectionContext, type Finding, type FindingGroup, type Severity } from '../finding';
import { basename } from '../identity';
import { addressClass } from '../paths';
import type { NetworkOp, ProcessActivity } from '../telemetry';

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

/** The alert kind of a burst of new ports on one address. */
export const PORT_SCAN_KIND = 'port-scan';

function portScan(exe: string, addr: string): BurstSpec {
  return {
    kind: PORT_SCAN_KIND,
    severity: 'high',
    mitre: 'T1046',
    describe: (n, spanMs, examples) => ({
      title: `${basename(exe)} connected to ${n.toLocaleString('en-US')} new ports on ${addr} in ${spanMs < 1_000 ? 'less than a second' : `${Math.max(1, Math.round(spanMs / 1_000)).toLocaleString('en-US')} s`}`,
      evidence: `connected to ${n.toLocaleString('en-US')} ports on ${addr} it never used before (e.g. ${examples.slice(0, 8).join(', ')}) within ${humanDuration(spanMs)} — network service discovery`,
    }),
  };
}

/** Services a password is guessed against over the network: SSH, FTP, telnet, rlogin, RDP, VNC, IMAP/POP3. */
const LOGIN_SERVICES = new Set(['sshd', 'sshd-session', 'dropbear', 'vsftpd', 'proftpd', 'pure-ftpd', 'in.ftpd', 'ftpd', 'telnetd', 'in.telnetd', 'in.rlogind', 'rlogind', 'xrdp', 'Xvnc', 'x11vnc', 'dovecot', 'imap-login', 'pop3-login']);

/** Whether a program is a network login service (by its file name). */
export function isLoginService(exe: string): boolean {
  return LOGIN_SERVICES.has(basename(exe));
}

/** The alert kind of a burst of connections from one address to a login service. */
export const LOGIN_BURST_KIND = 'login-brute-force';

/** How long password attempts count towards a burst (event time): connections to a login service, failed sudo/su runs. */
export const ATTEMPT_WINDOW_MS = 10 * 60_000;

/** Most attempt times remembered per (program, source): enough to pass any threshold. */
const MAX_TIMES = 4_096;

/** The inet peers a login service accepted in a window, by address, with how many connections each. */
export function acceptedPeers(p: ProcessActivity): { source: string; count: number }[] {
  const by = new Map<string, number>();
  for (const n of p.network) if (n.op === 'ACCEPT' && n.ret >= 0 && (n.family === 'INET' || n.family === 'INET6') && n.addr) by.set(n.addr, (by.get(n.addr) ?? 0) + Math.max(1, Number(n.count) || 1));
  return [...by].map(([source, count]) => ({ source, count }));
}

/** What reached a burst: where the attempts came from (an address, a user), how many, and their span. */
export interface AttemptBurst {
  source: string;
  attempts: number;
  from: number;
  to: number;
}

/**
 * Password attempts per (program, source) over the last {@link ATTEMPT_WINDOW_MS}: connections a
 * login service accepted per address, failed sudo/su runs per user. `add` records a window's and
 * returns the sources that reached `threshold`. Bounded: at most {@link MAX_TIMES} times per key, and
 * keys expire with their last attempt.
 */
export class AttemptCounter {
  private readonly times = new Map<string, number[]>();

  constructor(private readonly maxKeys = 10_000) {}

  add(programKey: string, sources: { source: string; count: number }[], now: number, threshold: number): AttemptBurst[] {
    const out: AttemptBurst[] = [];
    for (const { source, count } of sources) {
      const key = `${programKey}\u0000${source}`;
      let t = this.times.get(key);
      if (!t) {
        if (this.times.size >= this.maxKeys) this.times.delete(this.times.keys().next().value!);
        this.times.set(key, (t = []));
      }
      for (let i = 0; i < count; i++) t.push(now);
      const keep = t.findIndex((x) => now - x <= ATTEMPT_WINDOW_MS);
      if (keep > 0) t.splice(0, keep);
      if (t.length > MAX_TIMES) t.splice(0, t.length - MAX_TIMES);
      if (t.length >= threshold) out.push({ source, attempts: t.length, from: t[0]!, to: now });
    }
    return out;
  }

  /** Forget keys whose last attempt left the window. */
  expire(now: number): void {
    for (const [k, t] of this.times) if (!t.length || now - t[t.length - 1]! > ATTEMPT_WINDOW_MS) this.times.delete(k);
  }
}

/**
 * Many connections from one address to a login service within minutes: password guessing or
 * credential stuffing (T1110), whatever client made them (hydra, medusa, a botnet's scripts). An alert
 * of its own per service that names the technique; its repeats (more connections, other addresses)
 * join it for the group window. From a private or loopback address (a host of one's own guessing
 * passwords: lateral movement) it is high; from the internet, where any exposed SSH server is
 * guessed at every day, medium.
 */
export function loginBurstFinding(exe: string, burst: AttemptBurst, threshold: number): Finding {
  const addr = burst.source;
  const cls = addressClass(addr, addr.includes(':') ? 'INET6' : 'INET');
  const internal = cls !== 'public';
  const span = Math.max(0, burst.to - burst.from);
  const severity: Severity = internal ? 'high' : 'medium';
  return {
    detector: 'network',
    key: 'login-burst',
    kind: LOGIN_BURST_KIND,
    title: `${basename(exe)} accepted ${burst.attempts.toLocaleString('en-US')} connections from ${addr} within ${humanDuration(span)}`,
    severity,
    score: clampScore(internal ? 75 : 55),
    mitre: 'T1110',
    evidence: `${burst.attempts.toLocaleString('en-US')} connections from ${addr} (${cls}) to ${exe} within ${humanDuration(span)} (${threshold} within ${humanDuration(ATTEMPT_WINDOW_MS)} make a burst) — password guessing or credential stuffing`,
    data: { addr, addressClass: cls, connections: burst.attempts, from: burst.from, to: burst.to },
    group: { key: 'login-burst', items: [addr], from: burst.from, to: burst.to },
    redescribe: true,
    standsAlone: true,
  };
}

/** Programs that ask for a password to change identity on the host. */
const ELEVATION = new Set(['sudo', 'su', 'doas', 'sudoedit']);

/** The alert kind of a burst of failed password prompts of sudo or su. */
export const ELEVATION_BURST_KIND = 'local-password-guessing';

/** Failed sudo/su password prompts by one user within {@link ATTEMPT_WINDOW_MS} that make password guessing. */
export const ELEVATION_THRESHOLD = 10;

/**
 * A sudo or su run that failed on a password it was given (`sudo -S` reads it from stdin, as a loop
 * over a word list does; su always asks): its real user, or null. A failed `sudo -n` (no password
 * allowed) is no guess.
 */
export function failedElevation(p: ProcessActivity): string | null {
  if (!p.exited || !p.exitCode || !ELEVATION.has(basename(p.exe))) return null;
  const argv = p.argv ?? [];
  const prompts = basename(p.exe) === 'su' || argv.some((a) => /^-[A-Za-z]*S[A-Za-z]*$/.test(a) || a === '--stdin');
  return prompts ? `uid ${p.uid}` : null;
}

/**
 * Many failed sudo/su password prompts by one user within minutes: a loop guessing the password of
 * an account that may elevate (T1110.001; Atomic Red Team's sudo brute force). One alert per program.
 */
export function elevationBurstFinding(exe: string, burst: AttemptBurst, threshold: number): Finding {
  const span = Math.max(0, burst.to - burst.from);
  return {
    detector: 'program',
    key: 'elevation-burst',
    kind: ELEVATION_BURST_KIND,
    title: `${basename(exe)} failed ${burst.attempts.toLocaleString('en-US')} times for ${burst.source} within ${humanDuration(span)}`,
    severity: 'high',
    score: clampScore(75),
    mitre: 'T1110.001',
    evidence: `${burst.attempts.toLocaleString('en-US')} runs of ${exe} given a password failed for ${burst.source} within ${humanDuration(span)} (${threshold} within ${humanDuration(ATTEMPT_WINDOW_MS)} make a burst) — password guessing`,
    data: { user: burst.source, failures: burst.attempts, from: burst.from, to: burst.to },
    group: { key: 'elevation-burst', items: [burst.source], from: burst.from, to: burst.to },
    redescribe: true,
    standsAlone: true,
  };
}
