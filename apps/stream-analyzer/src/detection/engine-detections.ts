import { NEW_PROGRAM_KIND, PROGRAM_LIMIT_KIND } from './detectors/new-program';
import { ELEVATION_BURST_KIND, LOGIN_BURST_KIND, PORT_SCAN_KIND } from './detectors/network';
import type { RuleMeta } from './rules/compiled-rule';

/**
 * The engine's own detections that name a technique (bursts and first runs, not rules: they count or
 * remember across windows), in the rule catalogue's shape, so the coverage table, `GET /api/rules` and
 * the Rules page show what the analyzer detects besides its rule files. `id` is the alert kind.
 */
export const ENGINE_DETECTIONS: readonly RuleMeta[] = [
  {
    id: PORT_SCAN_KIND,
    title: 'Port scan: connections to many new ports on one address',
    technique: 'T1046',
    tactic: 'TA0007',
    severity: 'high',
    maturity: 'stable',
    rationale: 'A program connecting to 20 or more ports it never used on one address within the group window is scanning it, whatever tool it is; the per-port novelty folds into one alert.',
    falsePositives: ['service discovery and monitoring that probe many ports (they learn the ports and stop)'],
    source: 'engine',
    file: 'engine',
    event: 'network',
    group: 'rule',
    baselineNever: true,
    exceptions: [],
  },
  {
    id: LOGIN_BURST_KIND,
    title: 'Password guessing against a login service',
    technique: 'T1110',
    tactic: 'TA0006',
    severity: 'high',
    maturity: 'incubating',
    rationale: '20 connections from one address to sshd, an FTP, telnet, RDP, VNC or IMAP/POP3 daemon within 10 minutes: password guessing or credential stuffing; high from a private or loopback address, medium from the internet.',
    falsePositives: ['scripts that open many SSH sessions from one host without connection sharing'],
    source: 'engine',
    file: 'engine',
    event: 'network',
    group: 'rule',
    baselineNever: false,
    exceptions: [],
  },
  {
    id: ELEVATION_BURST_KIND,
    title: 'Password guessing through sudo or su',
    technique: 'T1110.001',
    tactic: 'TA0006',
    severity: 'high',
    maturity: 'incubating',
    rationale: '10 runs of sudo -S or su by one user that failed within 10 minutes: a loop over a word list guessing the password of an account that may elevate.',
    falsePositives: ['a script feeding a wrong password to sudo -S in a retry loop'],
    source: 'engine',
    file: 'engine',
    event: 'process',
    group: 'rule',
    baselineNever: false,
    exceptions: [],
  },
  {
    id: NEW_PROGRAM_KIND,
    title: 'First run of a program never seen on the endpoint or the fleet',
    technique: 'T1204.002',
    tactic: 'TA0002',
    severity: 'high',
    maturity: 'stable',
    rationale: 'After the learning period a program nobody knows is itself a finding: high when it runs from a writable directory (T1204.002) or was written just before by another program (T1105; built on the host: T1027.004), medium outside the package paths, low inside them.',
    falsePositives: ['software installed outside the package manager after the learning period (it learns its routine and stays quiet)'],
    source: 'engine',
    file: 'engine',
    event: 'exec',
    group: 'target',
    baselineNever: true,
    exceptions: [],
  },
  {
    id: PROGRAM_LIMIT_KIND,
    title: 'More new programs than an endpoint may learn',
    technique: 'T1562.001',
    tactic: 'TA0005',
    severity: 'high',
    maturity: 'stable',
    rationale: 'Copying a binary to thousands of paths, or a dropper unpacking hundreds, would exhaust a per-program monitor: beyond the limits the further programs share one baseline and one alert names them.',
    falsePositives: ['test suites running many fresh builds'],
    source: 'engine',
    file: 'engine',
    event: 'exec',
    group: 'rule',
    baselineNever: false,
    exceptions: [],
  },
];

/**
 * The rule catalogue with the engine's own detections: what the analyzer publishes and the coverage
 * table lists. A rule may not take an engine detection's id (its alerts would be told apart from the
 * engine's by nothing): that is an error naming the rule's file.
 */
export function detectionCatalogue(rules: readonly RuleMeta[]): RuleMeta[] {
  const reserved = new Set(ENGINE_DETECTIONS.map((d) => d.id));
  const taken = rules.find((r) => reserved.has(r.id));
  if (taken) throw new Error(`rule id ${taken.id} (${taken.file}) is the id of a detection of the engine itself; rename the rule`);
  return [...rules, ...ENGINE_DETECTIONS];
}
