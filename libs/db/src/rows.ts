import type { AlertStatus, Severity } from '@vigil/common';

/**
 * Rows of the tables one app writes and another reads, as node-postgres returns them: the one
 * TypeScript owner of those shapes (the analyzer writes alerts, rules, processes and incidents; the
 * API reads them). Each comes with the list of its columns, checked against the row type at compile
 * time (every key, nothing else) and against the migrations by rows.spec.ts (migratedColumns).
 */

/** `names` as given, when they are exactly the keys of `Row` (a missing key is a compile error naming it). */
function columnsOf<Row>() {
  return <const C extends readonly (keyof Row & string)[]>(names: C, ..._exhaustive: [Exclude<keyof Row, C[number]>] extends [never] ? [] : [missing: Exclude<keyof Row, C[number]>]): C => names;
}

/** `snake_case` → `camelCase`, at the type level. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** A row with camelCase keys and the same values: what a repository hands to its service. */
export type CamelCased<Row> = { [K in keyof Row & string as CamelCase<K>]: Row[K] };

/** `row` with camelCase keys (`tactic_name` → `tacticName`), values unchanged. */
export function camelCased<Row extends object>(row: Row): CamelCased<Row> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), value])) as CamelCased<Row>;
}

/** A row of `alerts` (migrations 20261201190000_telemetry_storage, 20261206050200 incident_id). */
export interface AlertRow {
  id: string;
  time: Date;
  endpoint_id: string;
  batch_id: string;
  program: string;
  program_key: string;
  exe_hash: string | null;
  pid: number;
  ppid: number | null;
  uid: number | null;
  comm: string | null;
  ancestry: string[];
  kind: string;
  detector: string;
  group_key: string;
  severity: Severity;
  score: number;
  title: string;
  mitre: string | null;
  evidence: string;
  evidence_data: Record<string, unknown> | null;
  /** What "accept into baseline" teaches (the analyzer's Acceptance, opaque here). */
  acceptance: unknown;
  count: number;
  last_seen: Date | null;
  status: AlertStatus;
  assignee: string | null;
  incident_id: string | null;
}

/** The columns of `alerts`. */
export const ALERT_COLUMNS = columnsOf<AlertRow>()([
  'id', 'time', 'endpoint_id', 'batch_id', 'program', 'program_key', 'exe_hash', 'pid', 'ppid', 'uid', 'comm', 'ancestry', 'kind', 'detector',
  'group_key', 'severity', 'score', 'title', 'mitre', 'evidence', 'evidence_data', 'acceptance', 'count', 'last_seen', 'status', 'assignee', 'incident_id',
]);

/** A row of `detection_rules`: the analyzer's loaded catalogue (migration 20261206050000). */
export interface DetectionRuleRow {
  id: string;
  tactic: string;
  tactic_name: string;
  technique: string;
  title: string;
  severity: string;
  maturity: string;
  source: string;
  file: string;
  event: string;
  baseline_never: boolean;
  rationale: string;
  false_positives: string[];
  exceptions: { name: string; reason?: string }[];
  published_at: Date;
}

/** The columns of `detection_rules`. */
export const DETECTION_RULE_COLUMNS = columnsOf<DetectionRuleRow>()([
  'id', 'tactic', 'tactic_name', 'technique', 'title', 'severity', 'maturity', 'source', 'file', 'event', 'baseline_never', 'rationale', 'false_positives',
  'exceptions', 'published_at',
]);

/** A row of `processes`: one process run on an endpoint (migration 20261201190000). */
export interface ProcessRow {
  endpoint_id: string;
  boot_id: string;
  pid: number;
  /** Kernel start time of the task (ns since boot): with boot and pid, the identity of the run. bigint: read as text. */
  start_time_ns: string;
  ppid: number;
  exe: string;
  comm: string;
  uid: number;
  container_id: string | null;
  ancestry: string[];
  argv: string[] | null;
  first_seen: Date;
  last_seen: Date;
  exited_at: Date | null;
  exit_code: number | null;
}

/** The columns of `processes`. */
export const PROCESS_COLUMNS = columnsOf<ProcessRow>()([
  'endpoint_id', 'boot_id', 'pid', 'start_time_ns', 'ppid', 'exe', 'comm', 'uid', 'container_id', 'ancestry', 'argv', 'first_seen', 'last_seen', 'exited_at', 'exit_code',
]);

/** A row of `incidents`: alerts of one process tree within minutes (migration 20261206050200). */
export interface IncidentRow {
  id: string;
  endpoint_id: string;
  first_seen: Date;
  last_seen: Date;
  severity: Severity;
  title: string;
  alert_count: number;
  techniques: string[];
  programs: string[];
  root_pid: number | null;
  root_program: string | null;
  status: AlertStatus;
  assignee: string | null;
  updated_at: Date;
}

/** The columns of `incidents`. */
export const INCIDENT_COLUMNS = columnsOf<IncidentRow>()([
  'id', 'endpoint_id', 'first_seen', 'last_seen', 'severity', 'title', 'alert_count', 'techniques', 'programs', 'root_pid', 'root_program', 'status', 'assignee', 'updated_at',
]);
