import { alertId, type Alert, type AlertOccurrence } from './alert';
import { acceptanceSize, mergeAcceptance, ProgramBaseline, type Acceptance, type ProgramBaselineState } from './baseline';
import { execDetector } from './detectors/exec';
import { fileAccessDetector } from './detectors/file-access';
import { acceptedPeers, AttemptCounter, ELEVATION_THRESHOLD, elevationBurstFinding, failedElevation, isLoginService, loginBurstFinding, networkDetector } from './detectors/network';
import { syscallFrequencyDetector } from './detectors/syscall-frequency';
import { sequenceScore, syscallSequenceDetector } from './detectors/syscall-sequence';
import { inWritableDir, newProgramFinding, programLimitFinding, type ProgramLimit, type RecentWrite } from './detectors/new-program';
import { extractFeatures, ownExecIndex } from './features';
import {
  clampScore,
  DEFAULT_THRESHOLDS,
  SEVERITY_RANK,
  type BurstSpec,
  type DetectionContext,
  type DetectionThresholds,
  type Detector,
  type Finding,
  type Severity,
} from './finding';
import { basename, programIdentity, type ProgramIdentity } from './identity';
import { accessMode, isWrite, lexicalPath } from './paths';
import type { RuleSet } from './rules/rule-set';
import type { ProcessActivity, TelemetryBatch } from './telemetry';
import { addToTree, describeTree, foldsIntoTree, openTree, passesThrough, ProcessForest, unnamed, type TreeBatch, type TreeGroup, type TreeRoot } from './tree-fold';

/** Engine settings. */
export interface EngineOptions {
  /**
   * The endpoint's learning period (VIGIL_BASELINE_LEARNING_PERIOD), event time from its first batch:
   * while it runs every program learns everything and `baseline: never` rules stay silent.
   */
  learningPeriodMs: number;
  /** Repeats of an alert group within this long (event time) count on the open alert instead of raising a new one. */
  groupWindowMs: number;
  /** A fleet baseline warm-starts a new endpoint's baseline only with at least this many runs… */
  fleetMinRuns: number;
  /** …seen on at least this many endpoints. */
  fleetMinEndpoints: number;
  thresholds: DetectionThresholds;
  /**
   * After the endpoint's learning period, a program new to the endpoint and the fleet learns its
   * routine this long (novelty findings held back; its first run and the rules are not). Capped at
   * learningPeriodMs.
   */
  programLearningPeriodMs: number;
  /** A new build of a known program (new exe hash, same path) re-learns from the old baseline this long (capped at learningPeriodMs). */
  relearnPeriodMs: number;
  /** Distinct items (e.g. new ports on one address) of one open alert group that make a burst alert (port scan). */
  burstThreshold: number;
  /** Alerts of one process tree within this long (event time) form one incident. */
  incidentWindowMs: number;
  /** How long a file write is remembered for "recently written by another process". */
  recentWriteMs: number;
  /**
   * Programs with a baseline of their own per endpoint. Beyond it every further new program shares
   * one baseline and raises one folded `program-limit-reached` alert: copying a binary to 100,000
   * paths and running each must not grow the analyzer's memory (≈ 10 KB a baseline) without bound.
   */
  maxProgramsPerEndpoint: number;
  /**
   * Programs never seen anywhere whose first run may raise an alert of its own per endpoint within
   * the group window; further first runs share that baseline and alert (a dropper unpacking and
   * running hundreds of binaries, a test suite of fresh builds: one alert with the count, not hundreds).
   */
  maxNewProgramsPerWindow: number;
  /** The same, per starting process (its parent: a shell loop, a dropper): a flood from one process folds early. */
  maxNewProgramsPerParent: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  learningPeriodMs: 7 * 86_400_000,
  groupWindowMs: 3_600_000,
  fleetMinRuns: 20,
  fleetMinEndpoints: 2,
  thresholds: DEFAULT_THRESHOLDS,
  programLearningPeriodMs: 86_400_000,
  relearnPeriodMs: 3_600_000,
  burstThreshold: 20,
  incidentWindowMs: 10 * 60_000,
  recentWriteMs: 3_600_000,
  maxProgramsPerEndpoint: 10_000,
  maxNewProgramsPerWindow: 500,
  maxNewProgramsPerParent: 20,
};

/** First runs (event times) within the group window on one endpoint, and by the process that started them. */
interface FirstRuns {
  endpoint: number[];
  byParent: Map<number, number[]>;
}

/** The key of the one baseline an endpoint's programs beyond {@link EngineOptions.maxProgramsPerEndpoint} share. */
export const PROGRAMS_BEYOND_LIMIT = '<programs beyond the endpoint limit>';

/** Fleet baselines by program key (read-only for the engine; provided by the caller). */
export interface FleetBaselines {
  get(programKey: string): ProgramBaseline | undefined;
}

/** Result of one batch. */
export interface BatchResult {
  /** New alerts (idempotent by id). */
  alerts: Alert[];
  /** Every alert group this batch contributed to, new or open. */
  occurrences: AlertOccurrence[];
  /** Programs whose baseline was warm-started from the fleet in this batch. */
  warmStarted: string[];
  /** Per process-window anomaly score of an active baseline (the sequence detector's calibrated score). */
  scores: ProcessScore[];
  /** The batch id was analysed before (a second copy in the topic): nothing was learned or judged again. */
  duplicate?: boolean;
}

/** One process-window's anomaly score (higher = more anomalous; ≈ 0 for a typical window of its program). */
export interface ProcessScore {
  pid: number;
  startTimeNs: number;
  programKey: string;
  score: number;
}

/** An open alert group: repeats within the group window join it. */
interface OpenGroup {
  alertId: string;
  lastSeen: number;
  count: number;
  /** Folded groups: the distinct items seen while open (capped at {@link MAX_GROUP_ITEMS}) and their time span. */
  fold?: GroupFold;
  /** Everything the findings joined so far would teach (the alert's acceptance grows with its repeats). */
  acceptance?: Acceptance;
  /** The process tree (root key) whose alert the group's findings joined, for baseline findings. */
  tree?: string;
}

/** Distinct items of a folded group (see {@link FindingGroup}). */
export interface GroupFold {
  items: string[];
  from: number;
  to: number;
}

/** Bound on the distinct items a folded group remembers (all 16-bit ports fit). */
const MAX_GROUP_ITEMS = 65_536;
/** Bound on the keys an alert's acceptance grows to. */
const MAX_ACCEPTANCE_KEYS = 4_096;
/** Bound on remembered recent writes per endpoint. */
const MAX_RECENT_WRITES = 512;

/** An open incident: alerts of one process tree close in time. */
interface OpenIncident {
  id: string;
  first: number;
  lastSeen: number;
  pids: Set<number>;
  /** The alert of each rule (`kind<TAB>key`: no NUL in jsonb checkpoints) in the incident: the same rule again in the story joins it. */
  rules: Map<string, string>;
  /** Exec rules' alerts with the processes on them: a wrapper and the command it runs (or a descendant's exec) are one act. */
  execRules: ExecRuleRun[];
  /** Tree key of the incident's one alert of deviations (the first tree alert in it), once there is one. */
  deviations?: string;
}

/** An exec rule's alert and one process it was raised or joined on. */
interface ExecRuleRun {
  kind: string;
  alertId: string;
  pid: number;
  /** The process tree (`tree <root key>`) the process was in. */
  tree: string;
}

/** Bound on the exec-rule runs an incident remembers. */
const MAX_EXEC_RULE_RUNS = 256;

/** What the engine holds per endpoint: when its learning started, recent writes, open incidents. */
interface EndpointState {
  firstBatch: number;
  lastBatch: number;
  /** path → last writer (insertion order = write order; bounded). */
  writes: Map<string, RecentWrite>;
  incidents: OpenIncident[];
  /** Who started whom, for the roots of process trees. */
  forest: ProcessForest;
  /** Open alerts of process trees (baseline findings folded per tree), by root key. */
  trees: Map<string, TreeGroup>;
  /** Ids of the endpoint's last {@link RECENT_BATCH_IDS} batches, oldest first. */
  recentBatches: Set<string>;
  /** Password attempts (connections to login services per address, failed sudo/su per user), for guessing bursts. */
  attempts: AttemptCounter;
}

/**
 * How many batch ids an endpoint remembers to recognise a second copy of a batch. A gateway that
 * dies after producing a batch and before answering 202 loses its dedupe window with it, and the
 * agent's retry reaches Kafka again; the copy follows within the agent's retry time, a few windows
 * at most even after a long outage (the spool sends in order).
 */
const RECENT_BATCH_IDS = 256;

/** Learning status of an endpoint (API, UI). */
export interface EndpointLearning {
  learningFrom: number;
  learningUntil: number;
  lastBatch: number;
  /** 0..1 at its last batch. */
  progress: number;
  learning: boolean;
}

/** One finding folded with its repeats of this batch (per program, detector and group key). */
interface Pending {
  finding: Finding;
  /** Whose group it is: the program, or for a rule the process tree (`tree <root>`). */
  subject: string;
  /** For a rule: what another run of the same job shares (the tree root's program and its launcher). */
  job?: string;
  first: Alert;
  count: number;
  pids: number[];
  fold: GroupFold | null;
}

const BASELINE_DETECTORS: Detector[] = [syscallFrequencyDetector, syscallSequenceDetector, fileAccessDetector, execDetector, networkDetector];

/** Key of an (endpoint, program) baseline in the state. */
export function baselineKey(endpointId: string, programKey: string): string {
  return `${endpointId}\u0000${programKey}`;
}

/** Paths whose writes are remembered: where dropped programs land. */
function trackedWrite(path: string): boolean {
  return inWritableDir(path) || path.startsWith('/usr/local/') || path.startsWith('/opt/');
}

/** The incident id for the alert that opened it (deterministic, like alert ids). */
export function incidentId(firstAlertId: string): string {
  return alertId('incident', firstAlertId, '', '');
}

/**
 * The detection engine: per-(endpoint, program) baselines under an endpoint-first learning policy,
 * the baseline detectors and the known-bad rules, folding repeats into alerts, bursts, incidents and
 * deterministic ids. Pure: no I/O, time comes from the batches (event time), so replaying the same
 * batches from the same snapshot yields the same alerts.
 *
 * Learning policy: an endpoint learns for `learningPeriodMs` from its first batch (every program
 * learns everything, `baseline: never` rules silent). After it a program new to the endpoint and the
 * fleet gets no grace: its first run is a finding and the rules apply at once, while its routine is
 * learned for `programLearningPeriodMs` with novelty findings held back. A new build of a known
 * program (same path, new hash) re-learns from the old baseline for `relearnPeriodMs`.
 */
export class DetectionEngine {
  private readonly baselines = new Map<string, ProgramBaseline>();
  /** Baselines held per endpoint (the limit's count). */
  private readonly programCounts = new Map<string, number>();
  /** Event times of first runs (programs never seen anywhere) per endpoint within the group window (not checkpointed). */
  private readonly firstRuns = new Map<string, FirstRuns>();
  /** `endpoint\0exe` → program keys of that path (package updates find the old build). */
  private readonly byExe = new Map<string, Set<string>>();
  private readonly groups = new Map<string, OpenGroup>();
  private readonly endpoints = new Map<string, EndpointState>();

  constructor(
    private readonly rules: RuleSet,
    readonly options: EngineOptions = DEFAULT_ENGINE_OPTIONS,
    private readonly fleet: FleetBaselines = { get: () => undefined },
  ) {}

  /** Run one batch: detect against the baselines as they were, then learn the batch. */
  processBatch(batch: TelemetryBatch): BatchResult {
    if (this.endpoints.get(batch.endpointId)?.recentBatches.has(batch.batchId)) return { alerts: [], occurrences: [], warmStarted: [], scores: [], duplicate: true };
    const now = batch.windowEnd;
    const o = this.options;
    const ep = this.endpointState(batch.endpointId, now);
    ep.recentBatches.add(batch.batchId);
    if (ep.recentBatches.size > RECENT_BATCH_IDS) ep.recentBatches.delete(ep.recentBatches.values().next().value!);
    const learningUntil = ep.firstBatch + o.learningPeriodMs;
    const endpointLearning = now < learningUntil;
    // before detecting: a dropper and the program it dropped may share a batch
    this.rememberWrites(ep, batch, now);
    this.growIncidentTrees(ep, batch, now);
    ep.forest.remember(batch.processes, now);

    const warmStarted: string[] = [];
    const pending = new Map<string, Pending>();
    /** Baseline findings by tree root, and the tree each (program, detector, group) of the batch went to. */
    const treePending = new Map<string, TreeBatch>();
    const treeOf = new Map<string, { tree: string; pending: Pending; gk: string | null }>();
    const learnQueue: [ProgramBaseline, ReturnType<typeof extractFeatures>, string][] = [];
    const baselineFindings: { f: Finding; program: ProgramIdentity; proc: ProcessActivity; own: TreeRoot }[] = [];
    const scores: ProcessScore[] = [];

    for (const proc of batch.processes) {
      let program = programIdentity(proc);
      let baseline = this.baselines.get(baselineKey(batch.endpointId, program.key));
      let firstRun = false;
      let limit: ProgramLimit | null = null;
      const shared = (): ProgramBaseline | undefined => {
        program = { ...program, key: PROGRAMS_BEYOND_LIMIT };
        return this.baselines.get(baselineKey(batch.endpointId, PROGRAMS_BEYOND_LIMIT));
      };
      if (!baseline && (this.programCounts.get(batch.endpointId) ?? 0) >= o.maxProgramsPerEndpoint) {
        // a program new to an endpoint that holds as many baselines as it may: judged by the rules,
        // learned into one shared baseline, and named in one folded alert
        limit = { total: o.maxProgramsPerEndpoint };
        baseline = shared();
      }
      if (!baseline) {
        let created = this.createBaseline(program, batch.endpointId, now, endpointLearning, learningUntil);
        // who started the program: the parent after fork+exec, the process itself when it exec'd in
        // place (a harness's `sh -c '…; ./new'` ends as ./new under the harness, which started none of them)
        const starter = ownExecIndex(proc) >= 0 ? { pid: proc.pid, exe: proc.exe } : { pid: proc.ppid, exe: proc.ancestry[0] ?? 'unknown parent' };
        const runs = created.unknown && limit === null ? this.recentFirstRuns(batch.endpointId, starter.pid, now) : null;
        if (runs && (runs.endpoint >= o.maxNewProgramsPerWindow || runs.parent >= o.maxNewProgramsPerParent)) {
          // one more program never seen anywhere, after as many as may stand alone within the group
          // window (from its parent, or on the endpoint): the same shared baseline and folded alert,
          // not an alert (and a baseline) each
          limit =
            runs.parent >= o.maxNewProgramsPerParent
              ? { perWindow: o.maxNewProgramsPerParent, windowMs: o.groupWindowMs, parent: starter }
              : { perWindow: o.maxNewProgramsPerWindow, windowMs: o.groupWindowMs };
          baseline = shared();
          if (!baseline) created = this.createBaseline(program, batch.endpointId, now, endpointLearning, learningUntil);
        }
        if (!baseline) {
          baseline = created.baseline;
          firstRun = created.unknown && limit === null;
          if (firstRun) this.noteFirstRun(batch.endpointId, starter.pid, now);
          if (baseline.origin === 'fleet' && baseline.active) warmStarted.push(program.key);
          this.putBaseline(batch.endpointId, baseline);
        }
      }
      baseline.updatePhase(now, o.learningPeriodMs);
      const features = extractFeatures(proc);
      const ctx: DetectionContext = { batch, process: proc, program, features, baseline, learning: endpointLearning, thresholds: o.thresholds, knownProgram: (exe) => this.byExe.has(`${batch.endpointId}\u0000${exe}`), recentWrite: (path) => this.recentWrite(ep, path, now) };
      const findings = this.rules.evaluate(ctx);
      // (a process the agent could not name, or a kernel thread, is no program run for the first time)
      if (firstRun && program.exe.startsWith('/')) findings.unshift(newProgramFinding(ctx, this.recentWrite(ep, program.exe, now)));
      if (limit) findings.unshift(programLimitFinding(ctx, limit, now));
      // many connections from one address to a login service: password guessing, learned or not
      if (isLoginService(program.exe)) for (const b of ep.attempts.add(program.key, acceptedPeers(proc), now, o.burstThreshold)) findings.unshift(loginBurstFinding(program.exe, b, o.burstThreshold));
      // many failed sudo/su password prompts by one user: a loop guessing a password
      const failed = failedElevation(proc);
      if (failed) for (const b of ep.attempts.add(program.key, [{ source: failed, count: 1 }], now, ELEVATION_THRESHOLD)) findings.unshift(elevationBurstFinding(program.exe, b, ELEVATION_THRESHOLD));
      // a process the agent could not name (its fork and exec were not seen) has no program whose
      // baseline could judge it: only the rules do
      if (baseline.active && !unnamed(proc.exe)) {
        for (const d of BASELINE_DETECTORS) findings.push(...d(ctx));
        const anomaly = sequenceScore(ctx)?.anomaly;
        if (anomaly !== undefined && anomaly !== null) scores.push({ pid: proc.pid, startTimeNs: proc.startTimeNs, programKey: program.key, score: anomaly });
      }
      let own: TreeRoot | undefined;
      for (const f of findings) {
        if (!foldsIntoTree(f)) {
          if (f.detector !== 'rule') {
            this.fold(pending, batch, program, proc, f, now, program.key);
            continue;
          }
          // an exec is recorded on the program that started it; the rule's alert is on the process
          // that runs the command (a harness or a server starts many stories, not this one) when
          // the batch has it
          const actor = execActor(batch, proc, f);
          // the command's own process is not in this batch (it replaced its image in place, or its
          // window comes later): the alert stays on the program that started it; when that program
          // starts stories of its own (a test harness, an interpreter, a server) the alert must not make
          // it an incident that everything it starts afterwards would join
          if (!actor && isExecRule(f) && !passesThrough(proc.exe)) f.data.onCaller = true;
          // a rule that fires again in the same process tree (a wrapper and the shell it runs see the
          // same command line) is one alert with a count
          const root = actor ? ep.forest.rootOf(actor) : (own ??= ep.forest.rootOf(proc));
          this.fold(pending, batch, actor ? programIdentity(actor) : program, actor ?? proc, f, now, `${TREE_KEY_PREFIX}${root.key}`, `${root.exe}\u0000${root.launcher ?? ''}`);
          continue;
        }
        // routed to a tree's alert once the batch's rule alerts have opened their incidents
        baselineFindings.push({ f, program, proc, own: (own ??= ep.forest.rootOf(proc)) });
      }
      learnQueue.push([baseline, features, `${batch.host.bootId}/${proc.pid}/${String(proc.startTimeNs)}`]);
    }

    // learn after detecting, so a process's own window never hides its deviations
    for (const [baseline, features, runId] of learnQueue) baseline.learn(features, runId, batch.endpointId, now);

    const alerts: Alert[] = [];
    const occurrences: AlertOccurrence[] = [];
    /** Exec rules' alerts raised or joined in this batch (a wrapper and its command may share a batch). */
    const batchExecRules: ExecRuleRun[] = [];
    for (const p of pending.values()) {
      const { first, count, pids } = p;
      const gk = `${batch.endpointId}\u0000${p.subject}\u0000${first.detector}\u0000${first.key}`;
      // the same rule, program and target in another process tree whose root is the same program
      // started by the same program (a job that cron, a timer or a harness runs again) within the
      // group window is a repeat: its alert, with a count (an alert per run would flood); other
      // stories (another launcher, another root) keep alerts of their own. The run's deviations
      // stay its own tree's.
      const rk = first.detector === 'rule' && p.job !== undefined ? `${batch.endpointId}\u0000${REPEAT_KEY_PREFIX}${first.programKey}\u0000${p.job}\u0000${first.detector}\u0000${first.key}` : undefined;
      let open = this.groups.get(gk);
      // the same rule again in an open incident's tree (a wrapper and the shell it starts both carry
      // the command line, seen in different batches) joins the incident's alert of that rule
      if (!(open && now - open.lastSeen <= o.groupWindowMs) && first.detector === 'rule') {
        const repeat = rk ? this.groups.get(rk) : undefined;
        const again = repeat && now - repeat.lastSeen <= o.groupWindowMs ? repeat.alertId : undefined;
        const joined = this.incidentRuleAlert(ep, first, p.subject, now) ?? execTwin(ep.forest, batchExecRules, first, p.subject) ?? again;
        if (joined && joined !== first.id) {
          this.groups.set(gk, (open = { alertId: joined, lastSeen: now, count: 0 }));
          if (isExecRule(first)) batchExecRules.push({ kind: first.kind, alertId: joined, pid: first.pid, tree: p.subject });
        }
      }
      if (open && now - open.lastSeen <= o.groupWindowMs && open.alertId !== first.id) {
        open.lastSeen = now;
        open.count += count;
        if (open.fold && p.fold) addToFold(open.fold, p.fold);
        const acceptance = this.growAcceptance(open, p.first.acceptance as Acceptance | null);
        // a finding that tells the whole story so far (a growing count) re-describes its alert
        const told = p.finding.redescribe ? { title: first.title, evidence: first.evidence, data: { ...first.data, pids } } : undefined;
        occurrences.push({ alertId: open.alertId, batchId: batch.batchId, time: now, count, pids, severity: first.severity, ...(acceptance || told ? { update: { ...told, ...(acceptance ? { acceptance } : {}) } } : {}) });
      } else {
        first.count = count;
        first.data = { ...first.data, pids };
        if (p.fold) first.data = { ...first.data, distinct: p.fold.items.length, examples: p.fold.items.slice(0, 10) };
        open = { alertId: first.id, lastSeen: now, count, fold: p.fold ? { ...p.fold, items: [...p.fold.items] } : undefined, acceptance: (first.acceptance as Acceptance | null) ?? undefined };
        this.groups.set(gk, open);
        alerts.push(first);
        occurrences.push({ alertId: first.id, batchId: batch.batchId, time: now, count, pids, severity: first.severity });
        if (isExecRule(first)) batchExecRules.push({ kind: first.kind, alertId: first.id, pid: first.pid, tree: p.subject });
      }
      if (rk) this.groups.set(rk, { alertId: open.alertId, lastSeen: now, count: 0 });
      const burst = p.finding.group?.burst;
      if (burst && open.fold && open.fold.items.length >= o.burstThreshold) this.raiseBurst(burst, open.fold, p, gk, batch, alerts, occurrences);
    }
    // the alerts that name what happened open (or join) incidents first, so that the baseline findings
    // of a tree already in an incident join the incident's one alert of deviations
    this.assignIncidents(ep, alerts, batchExecRules, new Set(), now);
    const assigned = alerts.length;
    for (const { f, program, proc, own } of baselineFindings) {
      // the same deviation (a new child, a sensitive file, a peer) that the program already showed
      // within the group window joins that alert, whichever tree it was in (many workers, many runs
      // of a job: one alert) — but not across stories: what a process of an incident did belongs to
      // its incident's alert, not to another story's; anything else joins its own tree's
      const groupKey = f.group?.key ?? f.key;
      const gk = `${batch.endpointId}\u0000${program.key}\u0000${f.detector}\u0000${groupKey}`;
      const specific = !GENERIC_GROUP_KEYS.has(groupKey) && !LOOPBACK_PEER.test(groupKey);
      const story = specific ? this.openIncident(ep, [proc.pid, own.pid], now)?.id : undefined;
      const routeKey = specific ? `${gk}\u0000${story ?? ''}` : `${gk}\u0000${own.key}`;
      let routed = treeOf.get(routeKey);
      if (!routed) {
        const open = specific ? this.groups.get(gk) : undefined;
        let tree = open?.tree && now - open.lastSeen <= o.groupWindowMs ? ep.trees.get(open.tree) : undefined;
        if (tree && story && tree.incidentId !== story) tree = undefined;
        const root = tree ? { pid: tree.rootPid, exe: tree.rootExe, key: open!.tree! } : own;
        const perProgram = new Map<string, Pending>();
        this.fold(perProgram, batch, program, proc, f, now);
        // a group that may burst (new ports on one address) counts per program, or per tree when it stays in its tree
        const counted = specific ? gk : f.group?.burst ? routeKey : null;
        treeOf.set(routeKey, (routed = { tree: root.key, pending: perProgram.values().next().value!, gk: counted }));
        if (!treePending.has(root.key)) treePending.set(root.key, { root, findings: [] });
      } else mergeFinding(routed.pending, proc, f);
      treePending.get(routed.tree)!.findings.push({ finding: f, programKey: program.key, exe: program.exe, pid: proc.pid });
    }
    const treeAlerts = new Set<Alert>();
    const rose: { group: TreeGroup; key: string; pid: number; ppid: number; ancestry: string[]; occurrence: AlertOccurrence }[] = [];
    const rekeyed = this.incidentTrees(ep, treePending, now);
    for (const tb of rekeyed.batches) {
      const t = this.foldTree(ep, tb, batch, alerts, occurrences, treeAlerts);
      if (t) rose.push(t);
    }
    // remember which tree's alert each (program, detector, group) joined; grouped findings still
    // count towards a burst of their program (a port scan)
    for (const { tree: own, pending: p, gk } of treeOf.values()) {
      if (gk === null) continue;
      const tree = rekeyed.keys.get(own) ?? own;
      const alert = ep.trees.get(tree)!.alertId;
      let open = this.groups.get(gk);
      if (open && now - open.lastSeen <= o.groupWindowMs && open.tree === tree) {
        open.lastSeen = now;
        open.count += p.count;
        open.alertId = alert;
        if (open.fold && p.fold) addToFold(open.fold, p.fold);
      } else {
        open = { alertId: alert, tree, lastSeen: now, count: p.count, fold: p.fold ? { ...p.fold, items: [...p.fold.items] } : undefined };
        this.groups.set(gk, open);
      }
      const burst = p.finding.group?.burst;
      if (burst && open.fold && open.fold.items.length >= o.burstThreshold) this.raiseBurst(burst, open.fold, p, gk, batch, alerts, occurrences);
    }
    this.assignIncidents(ep, alerts.slice(assigned), [], treeAlerts, now);
    // an open tree alert whose severity rose to medium or more joins (or opens) its tree's incident
    for (const r of rose) {
      if (r.group.incidentId || SEVERITY_RANK[r.group.severity] < SEVERITY_RANK.medium) continue;
      const probe = { id: r.group.alertId, pid: r.pid, ppid: r.ppid, ancestry: r.ancestry, severity: r.group.severity };
      r.group.incidentId = this.incidentFor(ep, probe, now);
      this.treeJoined(ep, r.group, r.key);
      if (r.group.incidentId) r.occurrence.update = { ...r.occurrence.update, incidentId: r.group.incidentId };
    }
    this.expire(ep, now);
    return { alerts, occurrences: coalesce(alerts, occurrences), warmStarted, scores };
  }

  /** Fold one finding into the batch's pending alert of its (program, detector, group). */
  private fold(pending: Map<string, Pending>, batch: TelemetryBatch, program: ProgramIdentity, proc: ProcessActivity, f: Finding, now: number, subject = program.key, job?: string): void {
    const groupKey = f.group?.key ?? f.key;
    const gk = `${subject}\u0000${f.detector}\u0000${groupKey}`;
    const seen = pending.get(gk);
    if (seen) {
      mergeFinding(seen, proc, f);
      return;
    }
    pending.set(gk, {
      finding: f,
      subject,
      ...(job !== undefined ? { job } : {}),
      count: 1,
      pids: [proc.pid],
      fold: f.group ? { items: [...new Set(f.group.items)], from: f.group.from, to: f.group.to } : null,
      first: {
        id: alertId(batch.batchId, f.detector, program.key, subject === program.key ? groupKey : `${groupKey}\u0000${subject}`),
        ...alertSubject(batch, program, proc),
        detector: f.detector,
        kind: f.kind,
        key: groupKey,
        severity: f.severity,
        score: f.score,
        mitre: f.mitre,
        title: f.title,
        evidence: f.evidence,
        data: f.data,
        count: 1,
        acceptance: f.acceptance ?? null,
        incidentId: null,
      },
    });
  }

  /**
   * Add a repeat's acceptance to its open alert's: what "accept into baseline" teaches covers every
   * repeat (the ports of later batches, the files of later runs), up to {@link MAX_ACCEPTANCE_KEYS}.
   * Resolves the grown acceptance, or undefined when nothing new was added (or the group was
   * restored from a checkpoint that did not keep it: its base is unknown, so it is not rewritten).
   */
  private growAcceptance(open: OpenGroup, more: Acceptance | null): Acceptance | undefined {
    if (!more) return undefined;
    if (!open.acceptance) {
      open.acceptance = more;
      return undefined;
    }
    const before = acceptanceSize(open.acceptance);
    if (before >= MAX_ACCEPTANCE_KEYS) return undefined;
    const merged = mergeAcceptance(open.acceptance, more);
    if (acceptanceSize(merged) === before) return undefined;
    open.acceptance = merged;
    return merged;
  }

  /**
   * Fold one tree's baseline findings of this batch into the tree's open alert, or open one. Resolves
   * the tree when its open alert's severity rose (it may then join an incident).
   */
  private foldTree(ep: EndpointState, tb: TreeBatch, batch: TelemetryBatch, alerts: Alert[], occurrences: AlertOccurrence[], created: Set<Alert>): { group: TreeGroup; key: string; pid: number; ppid: number; ancestry: string[]; occurrence: AlertOccurrence } | undefined {
    const now = batch.windowEnd;
    const lead = tb.findings.reduce((a, b) => (SEVERITY_RANK[b.finding.severity] > SEVERITY_RANK[a.finding.severity] || (b.finding.severity === a.finding.severity && b.finding.score > a.finding.score) ? b : a));
    const proc = batch.processes.find((p) => p.pid === lead.pid)!;
    const pids = [...new Set(tb.findings.map((f) => f.pid))];
    const id = alertId(batch.batchId, 'baseline', tb.root.key, 'deviations');
    const open = ep.trees.get(tb.root.key);
    // (a batch replayed on the engine that processed it opens the same alert again: idempotent ids)
    if (open && now - open.lastSeen <= this.options.groupWindowMs && open.alertId !== id) {
      const { rose } = addToTree(open, tb, now);
      // a tree alert open before its incident: it becomes the incident's alert of deviations
      const joins = tb.incident && !open.incidentId ? (open.incidentId = tb.incident) : undefined;
      const { title, evidence, data } = describeTree(open);
      const occurrence: AlertOccurrence = {
        alertId: open.alertId,
        batchId: batch.batchId,
        time: now,
        count: tb.findings.length,
        pids,
        severity: maxSeverity(tb.findings.map((f) => f.finding.severity)),
        update: { title, evidence, data, acceptance: open.acceptance, severity: open.severity, score: open.score, mitre: open.mitre, kind: open.kind, detector: open.detector, ...(joins ? { incidentId: joins } : {}) },
      };
      occurrences.push(occurrence, ...lowerRows(occurrence, tb));
      return rose ? { group: open, key: tb.root.key, pid: proc.pid, ppid: proc.ppid, ancestry: proc.ancestry, occurrence } : undefined;
    }
    const program = programIdentity(proc);
    const g = openTree(id, tb, now);
    ep.trees.set(tb.root.key, g);
    const { title, evidence, data } = describeTree(g);
    const a: Alert = {
      id,
      ...alertSubject(batch, program, proc),
      detector: g.detector,
      kind: g.kind,
      key: `${TREE_KEY_PREFIX}${tb.root.key}`,
      severity: g.severity,
      score: g.score,
      mitre: g.mitre,
      title,
      evidence,
      data: { ...data, pids },
      count: g.count,
      acceptance: g.acceptance,
      incidentId: null,
    };
    alerts.push(a);
    created.add(a);
    occurrences.push({ alertId: id, batchId: batch.batchId, time: now, count: g.count, pids, severity: g.severity });
    return undefined;
  }

  /** The burst alert of a folded group (one per open group; later batches re-describe it with the new count). */
  private raiseBurst(spec: BurstSpec, fold: GroupFold, p: Pending, gk: string, batch: TelemetryBatch, alerts: Alert[], occurrences: AlertOccurrence[]): void {
    const now = batch.windowEnd;
    const n = fold.items.length;
    const spanMs = Math.max(0, fold.to - fold.from);
    const { title, evidence } = spec.describe(n, spanMs, fold.items);
    const data = { group: p.first.key, distinct: n, spanMs, examples: fold.items.slice(0, 20), pids: p.pids };
    const bk = `${gk}\u0000burst`;
    const open = this.groups.get(bk);
    if (open && now - open.lastSeen <= this.options.groupWindowMs) {
      const added = n - open.count;
      if (added <= 0) return;
      open.count = n;
      open.lastSeen = now;
      occurrences.push({ alertId: open.alertId, batchId: batch.batchId, time: now, count: added, pids: p.pids, severity: spec.severity, update: { title, evidence, data } });
      return;
    }
    const key = `burst ${p.first.key}`;
    const a: Alert = {
      ...p.first,
      id: alertId(batch.batchId, p.first.detector, p.first.programKey, key),
      kind: spec.kind,
      key,
      severity: spec.severity,
      score: clampScore(60 + 10 * Math.log10(n)),
      mitre: spec.mitre,
      title,
      evidence,
      data,
      count: n,
      acceptance: null,
    };
    this.groups.set(bk, { alertId: a.id, lastSeen: now, count: n });
    alerts.push(a);
    occurrences.push({ alertId: a.id, batchId: batch.batchId, time: now, count: n, pids: p.pids, severity: a.severity });
  }

  /** A new (endpoint, program) baseline under the learning policy; `unknown`: new to endpoint and fleet after learning. */
  private createBaseline(program: ProgramIdentity, endpointId: string, now: number, endpointLearning: boolean, learningUntil: number): { baseline: ProgramBaseline; unknown: boolean } {
    const o = this.options;
    const fleet = this.fleet.get(program.key);
    if (fleet && fleetQualifies(fleet, o)) {
      const b = fleet.clone();
      b.sources = new Set([endpointId]);
      b.origin = 'fleet';
      return { baseline: b, unknown: false };
    }
    const b = new ProgramBaseline(program);
    if (endpointLearning) {
      b.startLearning('endpoint', now, learningUntil);
      return { baseline: b, unknown: false };
    }
    const previous = this.previousBuild(endpointId, program);
    if (previous) {
      const u = previous.clone(program);
      u.sources = new Set([endpointId]);
      u.startLearning('update', now, now + Math.min(o.relearnPeriodMs, o.learningPeriodMs));
      return { baseline: u, unknown: false };
    }
    const programLearning = Math.min(o.programLearningPeriodMs, o.learningPeriodMs);
    if (fleet) {
      const f = fleet.clone();
      f.sources = new Set([endpointId]);
      f.startLearning('fleet', now, now + programLearning);
      return { baseline: f, unknown: false };
    }
    b.startLearning('new-program', now, now + programLearning);
    return { baseline: b, unknown: true };
  }

  /** The baseline of another build of the same executable path on this endpoint (most runs). */
  private previousBuild(endpointId: string, program: ProgramIdentity): ProgramBaseline | undefined {
    let best: ProgramBaseline | undefined;
    for (const k of this.byExe.get(`${endpointId}\u0000${program.exe}`) ?? []) {
      if (k === program.key) continue;
      const b = this.baselines.get(baselineKey(endpointId, k));
      if (b && (!best || b.runs > best.runs)) best = b;
    }
    return best;
  }

  /** First runs within the group window before `now`: on the endpoint, and started by process `starter`. */
  private recentFirstRuns(endpointId: string, starter: number, now: number): { endpoint: number; parent: number } {
    const f = this.firstRuns.get(endpointId);
    if (!f) return { endpoint: 0, parent: 0 };
    const window = this.options.groupWindowMs;
    const prune = (times: number[]): number => {
      while (times.length > 0 && now - times[0]! > window) times.shift();
      return times.length;
    };
    return { endpoint: prune(f.endpoint), parent: prune(f.byParent.get(starter) ?? []) };
  }

  private noteFirstRun(endpointId: string, starter: number, now: number): void {
    let f = this.firstRuns.get(endpointId);
    if (!f) this.firstRuns.set(endpointId, (f = { endpoint: [], byParent: new Map() }));
    f.endpoint.push(now);
    let times = f.byParent.get(starter);
    if (!times) {
      // parents whose first runs are all older than the window are forgotten (bounded by the endpoint's list)
      if (f.byParent.size >= 1_024) for (const [p, t] of f.byParent) if (now - t[t.length - 1]! > this.options.groupWindowMs) f.byParent.delete(p);
      f.byParent.set(starter, (times = []));
    }
    times.push(now);
  }

  private putBaseline(endpointId: string, b: ProgramBaseline): void {
    const k = baselineKey(endpointId, b.program.key);
    if (!this.baselines.has(k)) this.programCounts.set(endpointId, (this.programCounts.get(endpointId) ?? 0) + 1);
    this.baselines.set(k, b);
    const ek = `${endpointId}\u0000${b.program.exe}`;
    let keys = this.byExe.get(ek);
    if (!keys) this.byExe.set(ek, (keys = new Set()));
    keys.add(b.program.key);
  }

  private endpointState(endpointId: string, now: number): EndpointState {
    let ep = this.endpoints.get(endpointId);
    if (!ep) this.endpoints.set(endpointId, (ep = { firstBatch: now, lastBatch: now, writes: new Map(), incidents: [], forest: new ProcessForest(), trees: new Map(), recentBatches: new Set(), attempts: new AttemptCounter() }));
    ep.lastBatch = Math.max(ep.lastBatch, now);
    return ep;
  }

  /** Remember successful writes to the paths programs are dropped in, with their writer. */
  private rememberWrites(ep: EndpointState, batch: TelemetryBatch, now: number): void {
    for (const p of batch.processes)
      for (const f of p.files) {
        const path = lexicalPath(f.path);
        if (f.ret < 0 || !isWrite(accessMode(f.flags)) || !trackedWrite(path)) continue;
        ep.writes.delete(path);
        ep.writes.set(path, { exe: p.exe, pid: p.pid, time: Number(f.firstSeen) || now });
      }
    while (ep.writes.size > MAX_RECENT_WRITES) ep.writes.delete(ep.writes.keys().next().value!);
  }

  private recentWrite(ep: EndpointState, path: string, now: number): RecentWrite | undefined {
    const w = ep.writes.get(path);
    return w && now - w.time <= this.options.recentWriteMs ? w : undefined;
  }

  /** Processes whose parent (or, through parents idle in the window, an ancestor) belongs to an open incident's tree join that tree. */
  private growIncidentTrees(ep: EndpointState, batch: TelemetryBatch, now: number): void {
    if (ep.incidents.length === 0) return;
    for (const inc of ep.incidents) {
      if (now - inc.lastSeen > this.options.incidentWindowMs) continue;
      for (const p of batch.processes) if (inc.pids.has(p.ppid) || p.ancestorPids?.some((a) => a > 1 && inc.pids.has(a))) inc.pids.add(p.pid);
    }
  }

  /**
   * The incident of a new alert: an open one of its process tree (its pid or its parent's), or a new
   * one when the alert is of medium severity or more. Only a shell or wrapper parent makes its children
   * one story ({@link linksToParent}).
   */
  private incidentFor(ep: EndpointState, a: Pick<Alert, 'id' | 'pid' | 'ppid' | 'ancestry' | 'severity'>, now: number): string | null {
    const open = this.openIncidentOf(ep, a, now);
    if (open) {
      open.pids.add(a.pid);
      return open.id;
    }
    if (SEVERITY_RANK[a.severity] < SEVERITY_RANK.medium) return null;
    const inc: OpenIncident = { id: incidentId(a.id), first: now, lastSeen: now, pids: new Set([a.pid]), rules: new Map(), execRules: [] };
    if (linksToParent(a)) inc.pids.add(a.ppid);
    ep.incidents.push(inc);
    return inc.id;
  }

  /**
   * Incidents for new alerts, most severe first (a high alert opens the incident that the low ones of
   * its tree then join); rule alerts are remembered in their incident, so the same rule again in the
   * story (or an exec rule's wrapper twin, `execRuns`) joins them.
   */
  private assignIncidents(ep: EndpointState, alerts: Alert[], execRuns: ExecRuleRun[], treeAlerts: Set<Alert>, now: number): void {
    for (const a of [...alerts].sort((x, y) => SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity])) {
      const tree = treeAlerts.has(a) ? ep.trees.get(a.key.slice(TREE_KEY_PREFIX.length)) : undefined;
      a.incidentId = tree?.incidentId ? this.joinIncident(ep, tree.incidentId, a.pid, now) : onCaller(a) ? (this.openIncidentOf(ep, a, now)?.id ?? null) : this.incidentFor(ep, a, now);
      if (tree) {
        tree.incidentId = a.incidentId;
        this.treeJoined(ep, tree, a.key.slice(TREE_KEY_PREFIX.length));
      }
      if (!a.incidentId || a.detector !== 'rule') continue;
      ep.incidents.find((i) => i.id === a.incidentId)?.rules.set(`${a.kind}\t${a.key}`, a.id);
    }
    for (const run of execRuns) {
      const inc = this.openIncident(ep, [run.pid], now);
      if (!inc || inc.execRules.some((r) => r.alertId === run.alertId && r.pid === run.pid)) continue;
      inc.execRules.push(run);
      if (inc.execRules.length > MAX_EXEC_RULE_RUNS) inc.execRules.shift();
    }
  }

  /**
   * The baseline findings of a tree whose processes are in an open incident go to the incident's one
   * alert of deviations (the first tree alert in it), not to an alert per tree: once an alert names
   * what happened, what else the story's processes did is context, not more alerts. `keys` maps a
   * tree that joined another's alert to that alert's tree.
   */
  private incidentTrees(ep: EndpointState, treePending: Map<string, TreeBatch>, now: number): { batches: TreeBatch[]; keys: Map<string, string> } {
    const keys = new Map<string, string>();
    const out = new Map<string, TreeBatch>();
    for (const [key, tb] of treePending) {
      const inc = this.openIncident(ep, [tb.root.pid, ...tb.findings.map((f) => f.pid)], now);
      // the incident's alert of deviations: the first tree alert in it, else this tree's (which joins it)
      const target = inc?.deviations && ep.trees.has(inc.deviations) ? inc.deviations : key;
      if (inc) inc.deviations = target;
      if (target !== key) keys.set(key, target);
      const seen = out.get(target);
      if (seen) {
        seen.findings.push(...tb.findings);
        seen.others ||= target !== key;
        continue;
      }
      const open = ep.trees.get(target);
      out.set(target, { root: open ? { pid: open.rootPid, exe: open.rootExe, key: target } : tb.root, findings: [...tb.findings], ...(inc ? { incident: inc.id } : {}), ...(target !== key ? { others: true } : {}) });
    }
    return { batches: [...out.values()], keys };
  }

  /** The open incident that any of these processes belongs to. */
  private openIncident(ep: EndpointState, pids: number[], now: number): OpenIncident | undefined {
    return ep.incidents.find((i) => now - i.lastSeen <= this.options.incidentWindowMs && pids.some((pid) => i.pids.has(pid)));
  }

  /** A tree alert joined (or opened) an incident: the first one is the incident's alert of deviations. */
  private treeJoined(ep: EndpointState, tree: TreeGroup, key: string): void {
    if (!tree.incidentId) return;
    const inc = ep.incidents.find((i) => i.id === tree.incidentId);
    if (inc && !(inc.deviations && ep.trees.has(inc.deviations))) inc.deviations = key;
  }

  /** Add a process to an incident known to be open (its alert of deviations). */
  private joinIncident(ep: EndpointState, id: string, pid: number, now: number): string {
    const inc = ep.incidents.find((i) => i.id === id);
    if (inc) {
      inc.pids.add(pid);
      inc.lastSeen = now;
    }
    return id;
  }

  /** The alert of the same rule (kind and key) in the open incident of this process's tree, or of an exec rule's wrapper twin, if any. */
  private incidentRuleAlert(ep: EndpointState, a: Alert, tree: string, now: number): string | undefined {
    const parentLinks = linksToParent(a);
    for (const inc of ep.incidents) {
      if (!this.inIncident(inc, a, parentLinks, now)) continue;
      const id = inc.rules.get(`${a.kind}\t${a.key}`) ?? execTwin(ep.forest, inc.execRules, a, tree);
      if (id) return id;
    }
    return undefined;
  }

  /** The open incident the alert's process (or, through a shell or wrapper, its parent) is in, seen now; never a new one. */
  private openIncidentOf(ep: EndpointState, a: Pick<Alert, 'pid' | 'ppid' | 'ancestry'>, now: number): OpenIncident | undefined {
    const parentLinks = linksToParent(a);
    const inc = ep.incidents.find((i) => this.inIncident(i, a, parentLinks, now));
    if (inc) inc.lastSeen = now;
    return inc;
  }

  /** Whether an alert's process (or, when `parentLinks`, its parent) belongs to an incident still open. */
  private inIncident(inc: OpenIncident, a: Pick<Alert, 'pid' | 'ppid'>, parentLinks: boolean, now: number): boolean {
    return now - inc.lastSeen <= this.options.incidentWindowMs && (inc.pids.has(a.pid) || (parentLinks && inc.pids.has(a.ppid)));
  }

  private expire(ep: EndpointState, now: number): void {
    for (const [k, g] of this.groups) if (now - g.lastSeen > this.options.groupWindowMs) this.groups.delete(k);
    for (const [k, t] of ep.trees) if (now - t.lastSeen > this.options.groupWindowMs) ep.trees.delete(k);
    ep.forest.expire(now, this.options.groupWindowMs);
    ep.attempts.expire(now);
    ep.incidents = ep.incidents.filter((i) => now - i.lastSeen <= this.options.incidentWindowMs);
    for (const [path, w] of ep.writes) {
      if (now - w.time <= this.options.recentWriteMs) break;
      ep.writes.delete(path);
    }
  }

  /** Learning status of an endpoint the engine holds. */
  endpointLearning(endpointId: string): EndpointLearning | undefined {
    const ep = this.endpoints.get(endpointId);
    if (!ep) return undefined;
    const until = ep.firstBatch + this.options.learningPeriodMs;
    const span = until - ep.firstBatch;
    return {
      learningFrom: ep.firstBatch,
      learningUntil: until,
      lastBatch: ep.lastBatch,
      progress: span <= 0 ? 1 : Math.max(0, Math.min(1, (ep.lastBatch - ep.firstBatch) / span)),
      learning: ep.lastBatch < until,
    };
  }

  /** Analyst "accept into baseline": teach the (endpoint, program) baseline; closes the alert group. */
  accept(endpointId: string, programKey: string, acceptance: Acceptance, time: number): boolean {
    const b = this.baselines.get(baselineKey(endpointId, programKey));
    if (!b) return false;
    b.accept(acceptance, time);
    for (const gk of [...this.groups.keys()]) if (gk.startsWith(`${endpointId}\u0000${programKey}\u0000`)) this.groups.delete(gk);
    return true;
  }

  /** Close the open alert of a process tree (its findings were accepted): new deviations raise a new alert. */
  closeTree(endpointId: string, alertId: string): boolean {
    const ep = this.endpoints.get(endpointId);
    if (!ep) return false;
    for (const [k, t] of ep.trees) {
      if (t.alertId !== alertId) continue;
      ep.trees.delete(k);
      return true;
    }
    return false;
  }

  /** The baseline of (endpoint, program), if any. */
  baseline(endpointId: string, programKey: string): ProgramBaseline | undefined {
    return this.baselines.get(baselineKey(endpointId, programKey));
  }

  /** Every baseline held (for fleet aggregation). */
  allBaselines(): IterableIterator<ProgramBaseline> {
    return this.baselines.values();
  }

  /** Serialisable state (checkpoints). `filter` selects endpoints (e.g. one partition's). */
  snapshot(filter: (endpointId: string) => boolean = () => true): EngineSnapshot {
    const baselines: EngineSnapshot['baselines'] = [];
    for (const [k, b] of this.baselines) {
      const endpointId = k.slice(0, k.indexOf('\u0000'));
      if (filter(endpointId)) baselines.push({ endpointId, state: b.toJSON() });
    }
    const groups: EngineSnapshot['groups'] = [];
    for (const [k, g] of this.groups) if (filter(k.slice(0, k.indexOf('\u0000')))) groups.push(g.tree ? [k, g.alertId, g.lastSeen, g.count, g.fold, g.acceptance, g.tree] : g.fold || g.acceptance ? [k, g.alertId, g.lastSeen, g.count, g.fold, g.acceptance] : [k, g.alertId, g.lastSeen, g.count]);
    const endpoints: NonNullable<EngineSnapshot['endpoints']> = [];
    for (const id of this.endpoints.keys()) if (filter(id)) endpoints.push({ endpointId: id, state: this.endpointCheckpoint(id)! });
    return { version: 2, baselines, groups, endpoints };
  }

  /** Load a snapshot (adds to / replaces what is held for those endpoints); version 1 has no endpoint state. */
  restore(s: EngineSnapshot): void {
    if (s.version !== 1 && s.version !== 2) throw new Error(`unsupported engine snapshot version ${String((s as { version: unknown }).version)}`);
    for (const { endpointId, state } of s.baselines) this.putBaseline(endpointId, ProgramBaseline.fromJSON(state));
    for (const [k, alertId, lastSeen, count, fold, acceptance, tree] of s.groups) this.groups.set(k, { alertId, lastSeen, count, fold: fold ?? undefined, acceptance: acceptance ?? undefined, tree });
    for (const { endpointId, state } of s.endpoints ?? []) this.restoreEndpoint(endpointId, state);
  }

  /** Checkpoint of one (endpoint, program): its baseline and its open alert groups. */
  checkpoint(endpointId: string, programKey: string): ProgramCheckpoint | undefined {
    const b = this.baselines.get(baselineKey(endpointId, programKey));
    if (!b) return undefined;
    const prefix = `${endpointId}\u0000${programKey}\u0000`;
    const groups: ProgramCheckpoint['groups'] = [];
    for (const [k, g] of this.groups) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const sep = rest.indexOf('\u0000');
      // burst groups carry a third part (`…\0burst`), written as `key\tburst` (no NUL in jsonb)
      const key = rest.slice(sep + 1).replaceAll('\u0000', '\t');
      groups.push(g.tree ? [rest.slice(0, sep), key, g.alertId, g.lastSeen, g.count, g.fold ?? null, g.acceptance ?? null, g.tree] : g.fold || g.acceptance ? [rest.slice(0, sep), key, g.alertId, g.lastSeen, g.count, g.fold ?? null, g.acceptance ?? null] : [rest.slice(0, sep), key, g.alertId, g.lastSeen, g.count]);
    }
    return { version: 2, baseline: b.toJSON(), groups };
  }

  /** Load a {@link checkpoint} (replaces what is held for that endpoint and program); version 1 is still read. */
  restoreCheckpoint(endpointId: string, c: ProgramCheckpoint): void {
    if (c.version !== 1 && c.version !== 2) throw new Error(`unsupported program checkpoint version ${String((c as { version: unknown }).version)}`);
    const b = ProgramBaseline.fromJSON(c.baseline);
    this.putBaseline(endpointId, b);
    const prefix = `${endpointId}\u0000${b.program.key}\u0000`;
    for (const [detector, key, alertId, lastSeen, count, fold, acceptance, tree] of c.groups)
      this.groups.set(`${prefix}${detector}\u0000${key.replaceAll('\t', '\u0000')}`, { alertId, lastSeen, count, fold: fold ?? undefined, acceptance: acceptance ?? undefined, tree });
  }

  /** Endpoint-level state (learning start, recent writes, open incidents) for the endpoint's checkpoint row. */
  endpointCheckpoint(endpointId: string): EndpointCheckpoint | undefined {
    const ep = this.endpoints.get(endpointId);
    if (!ep) return undefined;
    return {
      version: 2,
      firstBatch: ep.firstBatch,
      lastBatch: ep.lastBatch,
      writes: [...ep.writes].map(([path, w]) => [path, w.exe, w.pid, w.time]),
      incidents: ep.incidents.map((i) => [i.id, i.first, i.lastSeen, [...i.pids], [...i.rules], i.execRules.map((r) => [r.kind, r.alertId, r.pid, r.tree]), i.deviations ?? null]),
      forest: ep.forest.toJSON(),
      trees: [...ep.trees.values()],
      recentBatches: [...ep.recentBatches],
      // open groups of rules per process tree and their repeats per program (not any one program's checkpoint): [subject\tdetector\tkey, alert id, last seen, count]
      groups: [...this.groups]
        .filter(([k]) => k.startsWith(`${endpointId}\u0000${TREE_KEY_PREFIX}`) || k.startsWith(`${endpointId}\u0000${REPEAT_KEY_PREFIX}`))
        .map(([k, g]) => [k.slice(endpointId.length + 1).replaceAll('\u0000', '\t'), g.alertId, g.lastSeen, g.count] as [string, string, number, number]),
    };
  }

  /** Load an {@link endpointCheckpoint}. */
  restoreEndpoint(endpointId: string, c: EndpointCheckpoint): void {
    if (c.version !== 1 && c.version !== 2) throw new Error(`unsupported endpoint checkpoint version ${String((c as { version: unknown }).version)}`);
    this.endpoints.set(endpointId, {
      firstBatch: c.firstBatch,
      lastBatch: c.lastBatch,
      writes: new Map(c.writes.map(([path, exe, pid, time]) => [path, { exe, pid, time }])),
      incidents: c.incidents.map(([id, first, lastSeen, pids, rules, execRules, deviations]) => ({ id, first, lastSeen, pids: new Set(pids), rules: new Map(rules ?? []), execRules: (execRules ?? []).map(([kind, alertId, pid, tree]) => ({ kind, alertId, pid, tree })), ...(deviations ? { deviations } : {}) })),
      forest: ProcessForest.fromJSON(c.version === 2 ? c.forest : undefined),
      trees: new Map(c.version === 2 ? c.trees.map((t) => [`${t.rootPid}:${basename(t.rootExe) || '?'}`, t]) : []),
      recentBatches: new Set(c.version === 2 ? (c.recentBatches ?? []) : []),
      // counts towards a password-guessing burst are not checkpointed: a restart forgets at most its window
      attempts: new AttemptCounter(),
    });
    if (c.version === 2) for (const [k, alertId, lastSeen, count] of c.groups ?? []) this.groups.set(`${endpointId}\u0000${k.replaceAll('\t', '\u0000')}`, { alertId, lastSeen, count });
  }

  /** Drop everything held for endpoints matching `filter` (partition revoked). */
  forget(filter: (endpointId: string) => boolean): void {
    for (const k of [...this.baselines.keys()]) if (filter(k.slice(0, k.indexOf('\u0000')))) this.baselines.delete(k);
    for (const k of [...this.byExe.keys()]) if (filter(k.slice(0, k.indexOf('\u0000')))) this.byExe.delete(k);
    for (const k of [...this.groups.keys()]) if (filter(k.slice(0, k.indexOf('\u0000')))) this.groups.delete(k);
    for (const k of [...this.endpoints.keys()]) if (filter(k)) this.endpoints.delete(k);
    for (const k of [...this.programCounts.keys()]) if (filter(k)) this.programCounts.delete(k);
    for (const k of [...this.firstRuns.keys()]) if (filter(k)) this.firstRuns.delete(k);
  }
}

/**
 * Group keys of findings that say "something new of this kind" rather than name one deviation: they
 * join their own tree's alert only (two runs' new files are not the same deviation).
 */
const GENERIC_GROUP_KEYS = new Set(['novel-files', 'novel-syscalls', 'profile-shift', 'novel-sequences']);

/** Connections to loopback: not a peer that names a deviation (unrelated local clients share it), so they stay in their tree. */
const LOOPBACK_PEER = /^CONNECT INET6? (127\.|::1$)/;

/** Group keys of tree alerts: `tree <root pid>:<root program>`. */
const TREE_KEY_PREFIX = 'tree ';
/** Subject of a rule's open alert per program, rule and target across process trees (repeats). */
const REPEAT_KEY_PREFIX = 'repeat ';

/**
 * The process that runs what an exec rule matched: the caller's child in the batch with the exec's
 * image (exe and argv; exe alone when the agent did not learn the child's argv and only one child
 * fits). Undefined for other findings, or when the child is not in the batch.
 */
function execActor(batch: TelemetryBatch, caller: ProcessActivity, f: Finding): ProcessActivity | undefined {
  const d = f.data as { kind?: unknown; args?: { filename?: string; argv?: string } } | null;
  if (d?.kind !== 'exec' || !d.args?.filename) return undefined;
  const { filename, argv } = d.args;
  const fits = batch.processes.filter((p) => p.ppid === caller.pid && p.pid !== caller.pid && p.exe === filename);
  return fits.find((p) => p.argv !== null && p.argv.join(' ') === argv) ?? (fits.length === 1 && fits[0]!.argv === null ? fits[0] : undefined);
}

/** An exec rule's alert left on the program that made the exec (see the findings loop of processBatch). */
function onCaller(a: Pick<Alert, 'data'>): boolean {
  return (a.data as { onCaller?: unknown } | null)?.onCaller === true;
}

/** Whether a rule alert (or finding) matched an exec (its wrapper and the command it runs carry the same act). */
function isExecRule(a: Pick<Alert, 'detector' | 'data'>): boolean {
  return a.detector === 'rule' && (a.data as { kind?: unknown } | null)?.kind === 'exec';
}

/**
 * The alert of the same exec rule on an ancestor or a descendant of this process: `timeout 5 bash -c
 * "bash -i >& /dev/tcp/…"` fires the reverse-shell rule on bash, on timeout and on the inner bash, one
 * act. Only within one process tree (the chain of shells and wrappers): a harness or a server that
 * starts each command is an ancestor of many acts. Siblings (two dropped binaries run by one script)
 * stay apart.
 */
function execTwin(forest: ProcessForest, runs: ExecRuleRun[], a: Alert, tree: string): string | undefined {
  if (!isExecRule(a)) return undefined;
  for (let i = runs.length - 1; i >= 0; i--) {
    const r = runs[i]!;
    if (r.kind === a.kind && r.tree === tree && (r.pid === a.pid || forest.descends(a.pid, r.pid) || forest.descends(r.pid, a.pid))) return r.alertId;
  }
  return undefined;
}

/**
 * One occurrence per alert per batch (the store keys occurrences by alert and batch): findings of
 * several groups that joined one alert in a batch (a wrapper and its command, trees of one incident)
 * add up. What joins an alert raised in this batch goes onto the alert itself.
 */
function coalesce(alerts: Alert[], occurrences: AlertOccurrence[]): AlertOccurrence[] {
  const created = new Map(alerts.map((a) => [a.id, a]));
  const byAlert = new Map<string, AlertOccurrence[]>();
  for (const o of occurrences) {
    const rows = byAlert.get(o.alertId);
    if (!rows) {
      byAlert.set(o.alertId, [{ ...o, pids: [...o.pids] }]);
      continue;
    }
    const a = created.get(o.alertId);
    if (a) {
      a.count += o.count;
      if (o.update) Object.assign(a, o.update);
    } else if (o.update) rows[0]!.update = { ...rows[0]!.update, ...o.update };
    const same = rows.find((r) => r.severity === o.severity);
    if (same) {
      same.count += o.count;
      for (const pid of o.pids) if (!same.pids.includes(pid)) same.pids.push(pid);
    } else {
      const { update: _update, ...row } = o;
      rows.push({ ...row, pids: [...o.pids] });
    }
  }
  return [...byAlert.values()].flatMap(bySeverity);
}

/**
 * One alert's occurrence rows of a batch, one per severity: what each pid added keeps its own
 * severity (an incident's trees share one alert, and an attack's medium finding beside an admin's
 * low one in the same window must not make the admin's pid look medium). The most severe row keeps
 * the batch's time and the re-description; the others follow 1 ms apart (the table's key is
 * alert, batch and time), each pid only in the row of its most severe finding. Deterministic, so a
 * replayed batch writes the same rows.
 */
function bySeverity(rows: AlertOccurrence[]): AlertOccurrence[] {
  if (rows.length === 1) return rows;
  const rank = (r: AlertOccurrence): number => (r.severity ? SEVERITY_RANK[r.severity] : -1);
  const update = rows.find((r) => r.update)?.update;
  const sorted = [...rows].sort((a, b) => rank(b) - rank(a));
  const time = rows[0]!.time;
  const taken = new Set<number>();
  const out: AlertOccurrence[] = [];
  for (const r of sorted) {
    const pids = r.pids.filter((pid) => !taken.has(pid));
    for (const pid of pids) taken.add(pid);
    if (out.length > 0 && pids.length === 0) {
      out[0]!.count += r.count; // every pid of it already added something more severe
      continue;
    }
    const { update: _update, ...row } = r;
    out.push({ ...row, pids, time: time + out.length });
  }
  if (update) out[0]!.update = update;
  return out;
}

/**
 * A tree batch's findings of pids whose most severe finding is below the batch's: taken out of
 * `occurrence` (in place) into rows of their own severity, which {@link coalesce} keeps apart.
 */
function lowerRows(occurrence: AlertOccurrence, tb: TreeBatch): AlertOccurrence[] {
  const top = occurrence.severity;
  if (!top) return [];
  const worst = new Map<number, Severity>();
  for (const f of tb.findings) {
    const s = worst.get(f.pid);
    if (!s || SEVERITY_RANK[f.finding.severity] > SEVERITY_RANK[s]) worst.set(f.pid, f.finding.severity);
  }
  const rows = new Map<Severity, AlertOccurrence>();
  for (const f of tb.findings) {
    const s = worst.get(f.pid)!;
    if (s === top) continue;
    let row = rows.get(s);
    if (!row) rows.set(s, (row = { alertId: occurrence.alertId, batchId: occurrence.batchId, time: occurrence.time, count: 0, pids: [], severity: s }));
    row.count++;
    if (!row.pids.includes(f.pid)) row.pids.push(f.pid);
  }
  if (rows.size === 0) return [];
  const moved = [...rows.values()];
  occurrence.count -= moved.reduce((n, r) => n + r.count, 0);
  occurrence.pids = occurrence.pids.filter((pid) => worst.get(pid) === top);
  return moved;
}

/** The highest of some severities. */
function maxSeverity(s: Severity[]): Severity {
  return s.reduce((a, b) => (SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a), 'low' as Severity);
}

/**
 * Whether an alert's parent links it to its parent's story: a shell or a wrapper does (the session, the
 * script); an interpreter, a server or a service manager starts stories of its own, as it starts
 * process trees (a harness's actions, a web server's requests, a service's jobs).
 */
function linksToParent(a: Pick<Alert, 'ppid' | 'ancestry'>): boolean {
  return a.ppid > 1 && passesThrough(a.ancestry[0] ?? '');
}

/** Where and on whom an alert is: endpoint, batch, event time (the window's end), program and process. */
function alertSubject(batch: TelemetryBatch, program: ProgramIdentity, proc: ProcessActivity): Pick<Alert, 'endpointId' | 'batchId' | 'time' | 'program' | 'programKey' | 'exeHash' | 'pid' | 'ppid' | 'uid' | 'comm' | 'ancestry'> {
  return {
    endpointId: batch.endpointId,
    batchId: batch.batchId,
    time: batch.windowEnd,
    program: program.exe,
    programKey: program.key,
    exeHash: program.exeHash,
    pid: proc.pid,
    ppid: proc.ppid,
    uid: proc.uid,
    comm: proc.comm,
    ancestry: proc.ancestry,
  };
}

/** A repeat of a pending finding (same program, detector and group) in this batch. */
function mergeFinding(seen: Pending, proc: ProcessActivity, f: Finding): void {
  seen.count++;
  if (!seen.pids.includes(proc.pid)) seen.pids.push(proc.pid);
  if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[seen.first.severity]) seen.first.severity = f.severity;
  if (seen.fold && f.group) addToFold(seen.fold, f.group);
  if (f.acceptance) seen.first.acceptance = mergeAcceptance(seen.first.acceptance as Acceptance | null, f.acceptance);
  // a later finding of the batch tells more of the story (a count that grew)
  if (f.redescribe) Object.assign(seen.first, { title: f.title, evidence: f.evidence, data: f.data });
}

/** Add a batch's items to a fold (distinct, bounded). */
function addToFold(into: GroupFold, from: { items: string[]; from: number; to: number }): void {
  const have = new Set(into.items);
  for (const i of from.items) {
    if (into.items.length >= MAX_GROUP_ITEMS) break;
    if (!have.has(i)) {
      have.add(i);
      into.items.push(i);
    }
  }
  into.from = Math.min(into.from, from.from);
  into.to = Math.max(into.to, from.to);
}

/** JSON form of the engine's state (version 1: no endpoint state). */
export interface EngineSnapshot {
  version: 1 | 2;
  baselines: { endpointId: string; state: ProgramBaselineState }[];
  /** [group key, alert id, last seen, count, fold?, acceptance?, tree?]. */
  groups: ([string, string, number, number] | [string, string, number, number, GroupFold | undefined, Acceptance | undefined] | [string, string, number, number, GroupFold | undefined, Acceptance | undefined, string])[];
  endpoints?: { endpointId: string; state: EndpointCheckpoint }[];
}

/**
 * JSON form of one (endpoint, program)'s state: baseline plus open groups [detector, key, alert id,
 * last seen, count, fold?, acceptance?, tree?]. Free of NUL characters (PostgreSQL jsonb refuses \u0000). Version 1 (no
 * folds, baseline state version 1) is still restored.
 */
export interface ProgramCheckpoint {
  version: 1 | 2;
  baseline: ProgramBaselineState;
  groups: ([string, string, string, number, number] | [string, string, string, number, number, GroupFold | null, Acceptance | null] | [string, string, string, number, number, GroupFold | null, Acceptance | null, string])[];
}

/** JSON form of an endpoint's state (endpoint_learning.state); version 1 has no process trees. */
export type EndpointCheckpoint = EndpointCheckpointV1 | EndpointCheckpointV2;

/** Version 2: plus who started whom and the open alerts of process trees. */
export interface EndpointCheckpointV2 extends Omit<EndpointCheckpointV1, 'version'> {
  version: 2;
  /** [pid, ppid, parent exe, exe, last seen]. */
  forest: ReturnType<ProcessForest['toJSON']>;
  trees: TreeGroup[];
  /** Open groups of rules per process tree: [subject\tdetector\tkey, alert id, last seen, count]. */
  groups?: [string, string, number, number][];
  /** The endpoint's last batch ids, oldest first (absent in checkpoints written before it was kept). */
  recentBatches?: string[];
}

export interface EndpointCheckpointV1 {
  version: 1;
  firstBatch: number;
  lastBatch: number;
  /** [path, writer exe, writer pid, time]. */
  writes: [string, string, number, number][];
  /** [incident id, first, last seen, pids, (version 2) [rule kind<TAB>key, alert id][], exec rules' [kind, alert id, pid, tree][], tree key of its deviations]. */
  incidents: ([string, number, number, number[]] | [string, number, number, number[], [string, string][]] | [string, number, number, number[], [string, string][], [string, string, number, string][], string | null])[];
}

/** Whether a fleet baseline is enough to warm-start a new endpoint's (active, enough runs and endpoints). */
export function fleetQualifies(fleet: ProgramBaseline, options: Pick<EngineOptions, 'fleetMinRuns' | 'fleetMinEndpoints'>): boolean {
  return fleet.active && fleet.runs >= options.fleetMinRuns && fleet.sources.size >= options.fleetMinEndpoints;
}

/** Merge per-endpoint baselines of one program into a fleet baseline. */
export function fleetBaseline(baselines: ProgramBaseline[]): ProgramBaseline | undefined {
  if (baselines.length === 0) return undefined;
  const fleet = new ProgramBaseline(baselines[0]!.program);
  for (const b of baselines) fleet.merge(b);
  return fleet;
}
