import { acceptanceSize, mergeAcceptance, type Acceptance } from './baseline';
import { SEVERITY_RANK, listPhrase, type DetectorName, type Finding, type Severity } from './finding';
import { basename, programExe, SHELLS } from './identity';
import type { ProcessActivity } from './telemetry';

/**
 * Baseline findings fold into one alert per process tree: an interactive session, a script or a
 * command line started by a service is one story ("the tree of bash (pid 4121) deviated from its
 * baseline: started pyenv, opened 12 new files, …"), not one alert per program, file and syscall.
 * Known-bad rules and the first run of a program dropped or run from a writable directory keep alerts
 * of their own: they name a technique.
 */

/** Programs that only run what they are told: their children belong to their own tree. */
const PASS_THROUGH = new Set([...SHELLS, 'sudo', 'su', 'doas', 'runuser', 'env', 'timeout', 'nohup', 'xargs', 'setsid', 'nice', 'ionice', 'stdbuf', 'flock', 'time', 'chrt', 'taskset', 'script', 'watch']);

/** How a parent the agent could not name appears in lineage. */
const UNNAMED = new Set(['', '<unknown>']);

/** Whether a program only runs what it is told (a shell or a wrapper): its children are its tree's. */
export function passesThrough(exe: string): boolean {
  return PASS_THROUGH.has(basename(exe));
}

/** Whether the agent could not tell which program a process runs (its fork and exec were not seen). */
export function unnamed(exe: string): boolean {
  return UNNAMED.has(exe);
}

/**
 * Build and file tools whose children are steps of the command that ran them (compiler drivers and
 * their passes, build systems, find/git): the folding climbs through them.
 */
const COMMAND_TOOL =
  /^(([a-z0-9_]+-)*(gcc|g\+\+|cc|c\+\+|cpp|clang|clang\+\+|collect2|cc1|cc1plus|ld|ld\.bfd|ld\.gold|ld\.lld|lld|mold|as|gfortran)(-[0-9.]+)?|make|gmake|cmake|ninja|meson|cargo|rustc|go|find|git|rpmbuild|dpkg-buildpackage|dpkg-source)$/;

/** Bound on the processes remembered per endpoint for tree roots. */
const MAX_FOREST = 16_384;
/** Bound on the examples an alert of a tree keeps. */
const MAX_EXAMPLES = 20;
/** Bound on the keys a tree's acceptance grows to (all programs together). */
const MAX_TREE_ACCEPTANCE_KEYS = 4_096;

/** A remembered process: enough to climb from a child to its tree's root. */
export interface ForestNode {
  ppid: number;
  parentExe: string;
  exe: string;
  seen: number;
  /** The program the pid ran when first seen under this parent, when it has exec'd since: a tree is named and keyed by it, before and after the exec. */
  firstExe?: string;
}

/** The root of a process's tree: the topmost of the chain of shells and wrappers that started it. */
export interface TreeRoot {
  pid: number;
  exe: string;
  /** The program that started the root ('' when unknown): with `exe`, what a job run again has in common. */
  launcher?: string;
  /** `pid:program` — the tree's key among the endpoint's open trees. */
  key: string;
}

/** True when a baseline finding joins its process tree's alert instead of raising one of its own. */
export function foldsIntoTree(f: Finding): boolean {
  // a rule's, or a detection that names its technique on its own (password guessing, T1110)
  if (f.detector === 'rule' || f.standsAlone) return false;
  // a first run that names a technique (dropped and run: T1105, run from a writable directory: T1204.002) stands alone
  if (f.detector === 'program') return f.mitre === null;
  return true;
}

/** A checkpointed forest node: pid, ppid, parent's exe, exe, last seen, and the first exe when it exec'd since. */
export type ForestRow = [number, number, string, string, number] | [number, number, string, string, number, string];

/** Per endpoint: who started whom (bounded, oldest first), for tree roots across batches. */
export class ProcessForest {
  private readonly nodes = new Map<number, ForestNode>();

  /** Remember the batch's processes (call before {@link rootOf} for them). */
  remember(processes: ProcessActivity[], now: number): void {
    for (const p of processes) {
      // ancestors idle in the window (a shell in wait4, a subshell between a script and its
      // commands) are known from the agent's lineage: the chain to the root has no gap
      const up = p.ancestorPids ?? [];
      for (let i = up.length - 1; i >= 0; i--) {
        const pid = up[i]!;
        if (pid <= 1 || this.nodes.has(pid)) continue;
        this.nodes.set(pid, { ppid: up[i + 1] ?? 0, parentExe: p.ancestry[i + 1] ?? '', exe: p.ancestry[i] ?? '', seen: now });
      }
      const prev = this.nodes.get(p.pid);
      const firstExe = prev && prev.ppid === p.ppid ? (prev.firstExe ?? prev.exe) : p.exe;
      this.nodes.delete(p.pid);
      this.nodes.set(p.pid, { ppid: p.ppid, parentExe: p.ancestry[0] ?? '', exe: p.exe, seen: now, ...(firstExe !== p.exe ? { firstExe } : {}) });
    }
    while (this.nodes.size > MAX_FOREST) this.nodes.delete(this.nodes.keys().next().value!);
  }

  /**
   * Climb from the process while its parent is a shell or a wrapper (a parent that only runs what it
   * is told), the same program (a forked worker) or a tool run by a shell (a compiler driver, make,
   * find -exec: its helpers are part of the command line); the process where the climb stops is the
   * tree's root. An interpreter, a server or a service manager starts trees of its own, so a web
   * server's shells are one tree each.
   */
  rootOf(p: ProcessActivity): TreeRoot {
    let pid = p.pid;
    const known = this.nodes.get(p.pid);
    let node: ForestNode | undefined = { ppid: p.ppid, parentExe: p.ancestry[0] ?? '', exe: p.exe, seen: 0, ...(known?.ppid === p.ppid && known.firstExe ? { firstExe: known.firstExe } : {}) };
    for (let depth = 0; depth < 64 && node; depth++) {
      // a forked worker (same program as its parent: nginx, postgres, sshd) belongs to its parent's
      // tree, and so does a process whose parent the agent could not name (a subshell gone too soon)
      if (node.ppid <= 1) break;
      const parent = this.nodes.get(node.ppid);
      if (!UNNAMED.has(node.parentExe) && !PASS_THROUGH.has(basename(node.parentExe)) && node.parentExe !== node.exe && !this.partOfCommandLine(parent)) break;
      if (!parent) {
        // a shell parent not seen in the window (waiting in wait4): it is the root
        pid = node.ppid;
        node = { ppid: 0, parentExe: '', exe: node.parentExe, seen: 0 };
        break;
      }
      pid = node.ppid;
      node = parent;
    }
    // a root that exec'd (bash -c 'cc x.c && ./x' ends as x) keeps the name it had first
    const exe = node?.firstExe ?? node?.exe ?? p.exe;
    return { pid, exe, launcher: node?.parentExe ?? '', key: `${pid}:${basename(exe) || '?'}` };
  }

  /**
   * Whether a (non-wrapper) parent is itself part of a shell's command line, so that what it starts
   * belongs to that command line's tree: gcc's cc1, as, collect2 and ld, make's recipe shells, find's
   * -exec. It is when a chain of build and file tools ({@link COMMAND_TOOL}) leads up to a shell or
   * wrapper. Only those: any other program a shell starts may be a harness, an agent or a server run
   * by hand (pwsh running tests, a C2 implant, ./server &), whose children are stories of their own.
   */
  private partOfCommandLine(parent: ForestNode | undefined): boolean {
    for (let depth = 0; depth < 16 && parent && parent.ppid > 1 && COMMAND_TOOL.test(basename(parent.exe)); depth++) {
      if (PASS_THROUGH.has(basename(parent.parentExe))) return true;
      if (UNNAMED.has(parent.parentExe) || parent.parentExe === parent.exe) return false;
      parent = this.nodes.get(parent.ppid);
    }
    return false;
  }

  /** Whether `ancestor` started `pid`, directly or through its descendants (as far as remembered). */
  descends(pid: number, ancestor: number): boolean {
    let node = this.nodes.get(pid);
    for (let depth = 0; depth < 64 && node && node.ppid > 1; depth++) {
      if (node.ppid === ancestor) return true;
      node = this.nodes.get(node.ppid);
    }
    return false;
  }

  /** Forget processes not seen for `maxAgeMs` (the map is in order of last sighting: stop at the first recent one). */
  expire(now: number, maxAgeMs: number): void {
    for (const [pid, n] of this.nodes) {
      if (now - n.seen <= maxAgeMs) break;
      this.nodes.delete(pid);
    }
  }

  toJSON(): ForestRow[] {
    return [...this.nodes].map(([pid, n]): ForestRow => (n.firstExe ? [pid, n.ppid, n.parentExe, n.exe, n.seen, n.firstExe] : [pid, n.ppid, n.parentExe, n.exe, n.seen]));
  }

  static fromJSON(rows: ForestRow[] | undefined): ProcessForest {
    const f = new ProcessForest();
    for (const [pid, ppid, parentExe, exe, seen, firstExe] of rows ?? []) f.nodes.set(pid, { ppid, parentExe, exe, seen, ...(firstExe ? { firstExe } : {}) });
    return f;
  }
}

/** What "accept into baseline" teaches for an alert of a tree: per program of the tree. */
export interface TreeAcceptance {
  byProgram: Record<string, Acceptance>;
}

/** True when an alert's acceptance is a tree's (per program). */
export function isTreeAcceptance(a: unknown): a is TreeAcceptance {
  return typeof a === 'object' && a !== null && typeof (a as TreeAcceptance).byProgram === 'object' && (a as TreeAcceptance).byProgram !== null;
}

/**
 * What one queued acceptance teaches, per program: an alert's own acceptance for its program, or a
 * tree's for each program of the tree. A fleet-wide row names one baseline (program and program key
 * of its endpoint, maybe another build): only that program's part is taught, to that baseline.
 */
export function acceptedParts(program: string, programKey: string | null, acceptance: Acceptance | TreeAcceptance | null): { programKey: string | null; acceptance: Acceptance | null }[] {
  if (!isTreeAcceptance(acceptance)) return [{ programKey, acceptance }];
  const fleetRow = programKey !== null && !(programKey in acceptance.byProgram);
  return Object.entries(acceptance.byProgram)
    .filter(([key]) => !fleetRow || programExe(key) === program)
    .map(([key, a]) => ({ programKey: fleetRow ? programKey : key, acceptance: a }));
}

/** The open alert of one process tree: what its baseline findings added up to so far. */
export interface TreeGroup {
  alertId: string;
  rootPid: number;
  rootExe: string;
  lastSeen: number;
  count: number;
  severity: Severity;
  score: number;
  mitre: string | null;
  /** Title, kind and detector of the most important finding so far (the alert's own). */
  headline: string;
  kind: string;
  detector: DetectorName;
  kinds: Record<string, number>;
  /** The first distinct findings (by title), most useful first when read in order of severity. */
  examples: TreeExample[];
  programs: string[];
  acceptance: TreeAcceptance;
  incidentId: string | null;
  /** Other process trees of its incident joined it (it is the incident's one alert of deviations). */
  otherTrees?: true;
}

/** One finding kept as an example of a tree's alert. */
export interface TreeExample {
  kind: string;
  severity: Severity;
  title: string;
  evidence: string;
  mitre: string | null;
  program: string;
  pid: number;
}

/** One batch's findings of one tree, before they meet the tree's open alert. */
export interface TreeBatch {
  root: TreeRoot;
  /** The open incident of the tree: its alert of deviations is the one these findings join. */
  incident?: string;
  /** Findings of other trees of the incident are among them. */
  others?: boolean;
  findings: { finding: Finding; programKey: string; exe: string; pid: number }[];
}

/** Add a batch's findings to a tree group; resolves whether the alert's severity rose. */
export function addToTree(g: TreeGroup, tb: TreeBatch, now: number): { rose: boolean } {
  const before = SEVERITY_RANK[g.severity];
  if (tb.incident && tb.others) g.otherTrees = true;
  for (const { finding: f, programKey, exe, pid } of tb.findings) {
    g.count++;
    g.kinds[f.kind] = (g.kinds[f.kind] ?? 0) + 1;
    if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[g.severity] || (f.severity === g.severity && f.score > g.score)) {
      g.headline = f.title;
      g.kind = f.kind;
      g.detector = f.detector;
      g.mitre = f.mitre ?? g.mitre;
    }
    if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[g.severity]) g.severity = f.severity;
    g.score = Math.max(g.score, f.score);
    if (g.examples.length < MAX_EXAMPLES && !g.examples.some((x) => x.title === f.title)) g.examples.push({ kind: f.kind, severity: f.severity, title: f.title, evidence: f.evidence, mitre: f.mitre, program: exe, pid });
    if (!g.programs.includes(exe)) g.programs.push(exe);
    if (f.acceptance) addAcceptance(g.acceptance, programKey, f.acceptance);
  }
  g.lastSeen = now;
  return { rose: SEVERITY_RANK[g.severity] > before };
}

/** A new tree group opened by its first batch's findings. */
export function openTree(alertId: string, tb: TreeBatch, now: number): TreeGroup {
  const first = tb.findings[0]!.finding;
  const g: TreeGroup = {
    alertId,
    rootPid: tb.root.pid,
    rootExe: tb.root.exe,
    lastSeen: now,
    count: 0,
    severity: first.severity,
    score: first.score,
    mitre: first.mitre,
    headline: first.title,
    kind: first.kind,
    detector: first.detector,
    kinds: {},
    examples: [],
    programs: [],
    acceptance: { byProgram: {} },
    incidentId: tb.incident ?? null,
  };
  addToTree(g, tb, now);
  return g;
}

/** Title, evidence and structured data of a tree's alert as it stands. */
export function describeTree(g: TreeGroup): { title: string; evidence: string; data: Record<string, unknown> } {
  const root = g.rootExe && g.rootExe !== '<unknown>' ? `${basename(g.rootExe)} (pid ${g.rootPid})` : `pid ${g.rootPid}`;
  const others = g.count - 1;
  const where = g.otherTrees ? `the process trees of this incident (first: ${root})` : `the tree of ${root}`;
  const title = others > 0 ? `${g.headline} — and ${others.toLocaleString('en-US')} more deviation${others === 1 ? '' : 's'} from baseline in ${where}` : `${g.headline} (${g.otherTrees ? 'in this incident' : 'tree'} of ${root})`;
  const kinds = Object.entries(g.kinds)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ×${n}`);
  const ranked = [...g.examples].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  const lead = ranked[0];
  const evidence =
    g.count === 1 && lead
      ? lead.evidence
      : `${g.count.toLocaleString('en-US')} deviations from baseline by ${listPhrase(g.programs.map(basename), 6)} in ${where}: ${kinds.join(', ')}. Most notable: ${ranked
          .slice(0, 3)
          .map((x) => `${x.title} (${x.evidence})`)
          .join('; ')}`;
  return { title, evidence, data: { root: { pid: g.rootPid, exe: g.rootExe }, ...(g.otherTrees ? { incident: g.incidentId } : {}), kinds: g.kinds, examples: g.examples, programs: g.programs, deviations: g.count } };
}

/** Add one program's acceptance to a tree's (bounded; keys beyond the bound are not taught). */
function addAcceptance(into: TreeAcceptance, programKey: string, a: Acceptance): void {
  let n = 0;
  for (const x of Object.values(into.byProgram)) n += acceptanceSize(x);
  if (n >= MAX_TREE_ACCEPTANCE_KEYS) return;
  const cur = into.byProgram[programKey];
  into.byProgram[programKey] = cur ? mergeAcceptance(cur, a) : a;
}
