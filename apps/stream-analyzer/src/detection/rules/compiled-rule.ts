import type { RecentWrite, Severity } from '../finding';
import type { ProcessActivity } from '../telemetry';
import type { TacticId, TestCase } from './rule-schema';

/** The kinds of process events a rule can match. */
export type RuleEventType = 'process' | 'exec' | 'file' | 'network' | 'security';

/** One event of a process-window, normalised for matching (built once per window and type). */
export interface RuleEvent {
  type: RuleEventType;
  /** What the event is about: exec filename, file path, `addr:port`, the security event's main argument. */
  target: string;
  /** Baseline key of the event, for `baseline: never`. */
  baselineKey: string;
  /** `exec`, the access mode, the network op or the security kind. */
  kind: string;
  /** When it happened (ms, agent clock): execs and security events. */
  time?: number;
  /** Event fields by name (security args; `path`/`flags`/`mode` for files; `filename`/`argv` for execs; `addr`/`port`/`op`/`family` for network). */
  args: Record<string, string>;
}

/** The acting process as rules see it. */
export interface ProcessView {
  activity: ProcessActivity;
  /** Accepted/listened/bound on inet in this window or in its baseline. */
  networkFacing: boolean;
  /** The agent saw its stdin/stdout wired to a socket. */
  stdioSocket: boolean;
  /** Paths any process of the same batch opened for writing, with the writer (for "written, then executed"). */
  writtenInBatch: () => ReadonlyMap<string, RecentWrite>;
  /** The last write of a path: in this batch, else remembered by the engine from earlier batches. */
  writtenBefore: (path: string) => RecentWrite | undefined;
}

/** What the catalogue (API, UI, coverage table) shows about a rule. */
export interface RuleMeta {
  id: string;
  title: string;
  technique: string;
  tactic: TacticId;
  severity: Severity;
  maturity: 'stable' | 'incubating' | 'sandbox';
  rationale: string;
  falsePositives: string[];
  /** `native` (our YAML), `sigma`, or `engine` (a detection of the engine's own: a burst, a first run). */
  source: 'native' | 'sigma' | 'engine';
  /** Rule file, relative to the rules directory. */
  file: string;
  /** Event type the rule matches. */
  event: RuleEventType;
  /** `rule`: one alert group per program for every target; `target`: one per target. */
  group: 'target' | 'rule';
  /** Fires only once the baseline is active and has not seen the event. */
  baselineNever: boolean;
  exceptions: { name: string; reason?: string }[];
}

/** A rule compiled to predicates (native and Sigma rules alike); evaluation is pure. */
export interface CompiledRule {
  meta: RuleMeta;
  /** Evidence template: `{program}`, `{target}`, `{kind}`, `{arg.NAME}`. */
  evidence: string;
  /** Process-level conditions (checked once per window). */
  process: (p: ProcessView) => boolean;
  /** Event-level conditions. */
  match: (e: RuleEvent, p: ProcessView) => boolean;
  /** Named exceptions: a hit matching any is dropped. */
  exceptions: ((e: RuleEvent, p: ProcessView) => boolean)[];
  /** Embedded test cases: process-windows that must fire the rule, and near-misses that must not. */
  tests?: { match: TestCase[]; nomatch: TestCase[] };
}

/** A rules file that failed to parse, validate or compile; `problems` lists every issue with its file and YAML path. */
export class RuleFileError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid rules:\n  - ${problems.join('\n  - ')}`);
  }
}

/** One rules file's text, named relative to the rules directory (`credential-access.yaml`, `sigma/x.yml`). */
export interface RuleSource {
  file: string;
  text: string;
}
