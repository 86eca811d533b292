import type { AlertRow, DetectionRuleRow, Pool, PoolClient } from '@vigil/db';
import type { Acceptance } from '../detection/baseline';
import type { EndpointCheckpoint, ProgramCheckpoint } from '../detection/engine';
import { acceptedParts, type TreeAcceptance } from '../detection/tree-fold';
import { indexedPath } from '../detection/identity';
import type { Alert } from '../detection/alert';
import type { RuleMeta } from '../detection/rules/compiled-rule';
import type { WriteSet } from '../detection/write-set-rows';
import { TACTICS } from '../detection/rules/rule-schema';
import { AnalyzerError } from '../errors/analyzer.error';
import { databaseError } from './database-errors';

/** Where a partition's processing stands in the database. */
export interface PartitionRef {
  groupId: string;
  topic: string;
  partition: number;
}

/** A pending "accept into baseline" with what its alert says to teach. */
export interface PendingAcceptance {
  id: number;
  endpointId: string;
  programKey: string | null;
  acceptance: Acceptance | null;
  time: number;
  /** The alert accepted (a process tree's alert closes when accepted). */
  alertId: string | null;
}

const ms = (col: string): string => `to_timestamp(${col} / 1000.0)`;
/** Severity as a sortable number in SQL. */
const SEVERITY_ORDER = `case a.severity when 'critical' then 4 when 'high' then 3 when 'medium' then 2 when 'low' then 1 else 0 end`;

/** A NUL escape in JSON text: `\u0000` preceded by an even number of backslashes (an odd one is a literal backslash, escaped). */
const JSON_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;

/**
 * JSON for a query parameter; NUL characters (which PostgreSQL text and jsonb refuse) become U+FFFD.
 * Stringified without a replacer (a replacer call per value was a tenth of the analyzer's CPU), then
 * the rare NUL escapes rewritten in the text.
 */
export function pgJson(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes('\\u0000') ? json.replace(JSON_NUL, '$1\ufffd') : json;
}

/**
 * The analyzer's only access to PostgreSQL. Every write of a run of records happens in one
 * transaction together with the partition's next offset ({@link commit}), fenced on the offset the
 * caller started from.
 */
export class AnalyzerRepository {
  constructor(private readonly pool: Pool) {}

  private async run<T>(what: string, fn: (c: Pool | PoolClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.pool);
    } catch (err) {
      throw databaseError(err, what);
    }
  }

  /** Run `fn` in a transaction on one client; errors are wrapped by {@link databaseError}. */
  private async transaction<T>(what: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw databaseError(err, `${what} (connecting)`);
    }
    let broken = false;
    try {
      await client.query('begin');
      const value = await fn(client);
      await client.query('commit');
      return value;
    } catch (err) {
      await client.query('rollback').catch(() => (broken = true));
      throw databaseError(err, what);
    } finally {
      client.release(broken);
    }
  }

  /** Publish the loaded rule catalogue (for GET /api/rules): the whole set replaces the table's in one transaction. */
  async publishRules(catalogue: RuleMeta[]): Promise<void> {
    await this.transaction('publishing the rule catalogue', async (c) => {
      await c.query('delete from detection_rules where not (id = any($1::text[]))', [catalogue.map((r) => r.id)]);
      await c.query(
        `insert into detection_rules (id, tactic, tactic_name, technique, title, severity, maturity, source, file, event, baseline_never, rationale, false_positives, exceptions, published_at)
         select * , now() from jsonb_to_recordset($1::jsonb) as r(id text, tactic text, tactic_name text, technique text, title text, severity text, maturity text, source text, file text, event text, baseline_never boolean, rationale text, false_positives jsonb, exceptions jsonb)
         on conflict (id) do update set tactic = excluded.tactic, tactic_name = excluded.tactic_name, technique = excluded.technique, title = excluded.title,
           severity = excluded.severity, maturity = excluded.maturity, source = excluded.source, file = excluded.file, event = excluded.event,
           baseline_never = excluded.baseline_never, rationale = excluded.rationale, false_positives = excluded.false_positives, exceptions = excluded.exceptions, published_at = excluded.published_at`,
        [
          JSON.stringify(
            catalogue.map((r): Omit<DetectionRuleRow, 'published_at'> => ({
              id: r.id,
              tactic: r.tactic,
              tactic_name: TACTICS[r.tactic],
              technique: r.technique,
              title: r.title,
              severity: r.severity,
              maturity: r.maturity,
              source: r.source,
              file: r.file,
              event: r.event,
              baseline_never: r.baselineNever,
              rationale: r.rationale,
              false_positives: r.falsePositives,
              exceptions: r.exceptions,
            })),
          ),
        ],
      );
    });
  }

  /** Liveness probe. */
  async ping(): Promise<void> {
    await this.run('ping', (c) => c.query('select 1'));
  }

  /** Next offset to process of a partition, or null when nothing was ever written for it. */
  async nextOffset(ref: PartitionRef): Promise<string | null> {
    const r = await this.run('reading the partition offset', (c) =>
      c.query<{ next_offset: string }>('select next_offset from analyzer_offsets where group_id = $1 and topic = $2 and partition = $3', [ref.groupId, ref.topic, ref.partition]),
    );
    return r.rows[0]?.next_offset ?? null;
  }

  /** Checkpoints of every program of these endpoints. */
  async checkpoints(endpointIds: string[]): Promise<{ endpointId: string; state: ProgramCheckpoint }[]> {
    if (endpointIds.length === 0) return [];
    const r = await this.run('loading baselines', (c) =>
      c.query<{ endpoint_id: string; state: ProgramCheckpoint }>('select endpoint_id, state from program_baselines where endpoint_id = any($1::uuid[])', [endpointIds]),
    );
    return r.rows.map((row) => ({ endpointId: row.endpoint_id, state: row.state }));
  }

  /**
   * Endpoint-level state (learning start, recent writes, open incidents) of these endpoints. An
   * endpoint with baselines but no row (checkpoints from before endpoint_learning existed) gets its
   * learning start from its oldest baseline, so an upgrade does not restart its learning period.
   */
  async endpointStates(endpointIds: string[]): Promise<{ endpointId: string; state: EndpointCheckpoint }[]> {
    if (endpointIds.length === 0) return [];
    const r = await this.run('loading endpoint learning state', (c) =>
      c.query<{ endpoint_id: string; state: EndpointCheckpoint | null; fs: number | null; ls: number | null }>(
        `select e.id as endpoint_id, l.state,
                (extract(epoch from b.fs) * 1000)::float8 as fs, (extract(epoch from b.ls) * 1000)::float8 as ls
         from unnest($1::uuid[]) as e(id)
         left join endpoint_learning l on l.endpoint_id = e.id
         left join lateral (select min(first_seen) as fs, max(last_seen) as ls from program_baselines where endpoint_id = e.id) b on l.state is null`,
        [endpointIds],
      ),
    );
    return r.rows.flatMap((row) => {
      if (row.state) return [{ endpointId: row.endpoint_id, state: row.state }];
      if (row.fs === null || row.ls === null) return [];
      return [{ endpointId: row.endpoint_id, state: { version: 1 as const, firstBatch: row.fs, lastBatch: row.ls, writes: [], incidents: [] } }];
    });
  }

  /** Active baselines of these programs on other endpoints (the `perProgram` with most runs each). */
  async fleetCheckpoints(programKeys: string[], excludeEndpoints: string[], perProgram = 20): Promise<{ programKey: string; state: ProgramCheckpoint }[]> {
    if (programKeys.length === 0) return [];
    const r = await this.run('loading fleet baselines', (c) =>
      c.query<{ program_key: string; state: ProgramCheckpoint }>(
        `select program_key, state from (
           select program_key, state, row_number() over (partition by program_key order by runs desc) as rn
           from program_baselines
           where program_key = any($1::text[]) and phase = 'active' and not (endpoint_id = any($2::uuid[]))
         ) s where rn <= $3`,
        [programKeys, excludeEndpoints, perProgram],
      ),
    );
    return r.rows.map((row) => ({ programKey: row.program_key, state: row.state }));
  }

  /** Acceptances not applied yet for these endpoints, oldest first. */
  async pendingAcceptances(endpointIds: string[]): Promise<PendingAcceptance[]> {
    if (endpointIds.length === 0) return [];
    const r = await this.run('reading baseline acceptances', (c) =>
      c.query<{ id: string; endpoint_id: string; alert_id: string | null; program: string; program_key: string | null; acceptance: Acceptance | TreeAcceptance | null; t: number }>(
        `select a.id, a.endpoint_id, a.alert_id, a.program, coalesce(a.program_key, al.program_key) as program_key, al.acceptance, (extract(epoch from a.time) * 1000)::float8 as t
         from baseline_acceptances a
         left join alerts al on al.id = a.alert_id and al.endpoint_id = a.endpoint_id
         where a.applied_at is null and a.endpoint_id = any($1::uuid[])
         order by a.id limit 500`,
        [endpointIds],
      ),
    );
    return r.rows.flatMap((row) =>
      acceptedParts(row.program, row.program_key, row.acceptance).map((part) => ({ id: Number(row.id), endpointId: row.endpoint_id, time: row.t, alertId: row.alert_id, ...part })),
    );
  }

  /**
   * Write `set` and move the partition from `expected` to `next` in one transaction. Throws
   * AnalyzerError PARTITION_FENCED (nothing written) when the stored offset is not `expected` —
   * another instance processed the partition meanwhile.
   */
  async commit(ref: PartitionRef, expected: string | null, next: string, set: WriteSet): Promise<void> {
    await this.transaction('writing a batch', async (client) => {
      await this.fence(client, ref, expected);
      await this.writeAlerts(client, set);
      await this.writeTelemetry(client, set);
      await client.query('update analyzer_offsets set next_offset = $4, updated_at = now() where group_id = $1 and topic = $2 and partition = $3', [ref.groupId, ref.topic, ref.partition, next]);
    });
  }

  private async fence(c: PoolClient, ref: PartitionRef, expected: string | null): Promise<void> {
    const params = [ref.groupId, ref.topic, ref.partition];
    if (expected === null) {
      // First write of this partition: whoever inserts the row owns the start (a concurrent insert waits, then does nothing).
      const r = await c.query('insert into analyzer_offsets (group_id, topic, partition, next_offset) values ($1, $2, $3, -1) on conflict do nothing', params);
      if (r.rowCount === 1) return;
    } else {
      const r = await c.query<{ next_offset: string }>('select next_offset from analyzer_offsets where group_id = $1 and topic = $2 and partition = $3 for update', params);
      if (r.rows[0]?.next_offset === expected) return;
    }
    throw new AnalyzerError('PARTITION_FENCED', `partition ${ref.partition} of ${ref.topic} was advanced by another instance`);
  }

  private async writeAlerts(c: PoolClient, set: WriteSet): Promise<void> {
    if (set.alerts.length > 0) {
      await c.query(
        `insert into alerts (id, time, endpoint_id, batch_id, program, program_key, exe_hash, pid, ppid, uid, comm, ancestry, kind, detector, group_key,
                             severity, score, title, mitre, evidence, evidence_data, acceptance, count, last_seen, incident_id)
         select x.id, ${ms('x.t')}, x.endpoint_id::uuid, x.batch_id, x.program, x.program_key, x.exe_hash, x.pid, x.ppid, x.uid, x.comm,
                array(select jsonb_array_elements_text(x.ancestry)), x.kind, x.detector, x.group_key, x.severity, x.score, x.title, x.mitre,
                x.evidence, x.evidence_data, x.acceptance, x.count, ${ms('x.t')}, x.incident_id
         from jsonb_to_recordset($1::jsonb) as x(id text, t float8, endpoint_id text, batch_id text, program text, program_key text, exe_hash text,
              pid int, ppid int, uid int, comm text, ancestry jsonb, kind text, detector text, group_key text, severity text, score float8,
              title text, mitre text, evidence text, evidence_data jsonb, acceptance jsonb, count int, incident_id text)
         on conflict (id, time) do nothing`,
        [pgJson(set.alerts.map(alertRow))],
      );
      await c.query(
        `insert into alert_outbox (alert_id, alert_time) select x.id, ${ms('x.t')} from jsonb_to_recordset($1::jsonb) as x(id text, t float8) on conflict do nothing`,
        [pgJson(set.alerts.map((a) => ({ id: a.id, t: a.time })))],
      );
    }
    if (set.occurrences.length > 0) {
      // Only occurrence rows that are new bump the alert's count (and re-describe a grown burst): a
      // replayed batch changes nothing.
      await c.query(
        `with x as (
           select * from jsonb_to_recordset($1::jsonb) as x(alert_id text, batch_id text, t float8, count int, pids jsonb, first boolean,
                                                             title text, evidence text, data jsonb, acceptance jsonb, severity text,
                                                             new_severity text, score float8, mitre text, kind text, detector text, incident_id text)
         ), ins as (
           insert into alert_occurrences (alert_id, batch_id, time, count, pids, severity)
           select x.alert_id, x.batch_id, ${ms('x.t')}, x.count, array(select jsonb_array_elements_text(x.pids)::int), x.severity from x
           on conflict do nothing
           returning alert_id, batch_id, count, time
         ), bumps as (
           select ins.alert_id, sum(ins.count) as c, max(ins.time) as t,
                  (array_agg(x.title order by ins.time desc) filter (where x.title is not null))[1] as title,
                  (array_agg(x.evidence order by ins.time desc) filter (where x.title is not null))[1] as evidence,
                  (array_agg(x.data order by ins.time desc) filter (where x.title is not null))[1] as data,
                  (array_agg(x.acceptance order by ins.time desc) filter (where x.acceptance is not null))[1] as acceptance,
                  (array_agg(x.new_severity order by ins.time desc) filter (where x.new_severity is not null))[1] as severity,
                  max(x.score) as score,
                  (array_agg(x.mitre order by ins.time desc) filter (where x.mitre is not null))[1] as mitre,
                  (array_agg(x.kind order by ins.time desc) filter (where x.kind is not null))[1] as kind,
                  (array_agg(x.detector order by ins.time desc) filter (where x.detector is not null))[1] as detector,
                  (array_agg(x.incident_id order by ins.time desc) filter (where x.incident_id is not null))[1] as incident_id
           from ins join x on x.alert_id = ins.alert_id and x.batch_id = ins.batch_id and ${ms('x.t')} = ins.time
           where not x.first group by ins.alert_id
         )
         update alerts a set count = a.count + b.c, last_seen = greatest(coalesce(a.last_seen, a.time), b.t),
                title = coalesce(b.title, a.title), evidence = coalesce(b.evidence, a.evidence), evidence_data = coalesce(b.data, a.evidence_data),
                acceptance = coalesce(b.acceptance, a.acceptance),
                severity = coalesce(b.severity, a.severity), score = greatest(a.score, b.score), mitre = coalesce(b.mitre, a.mitre), kind = coalesce(b.kind, a.kind), detector = coalesce(b.detector, a.detector),
                incident_id = coalesce(a.incident_id, b.incident_id)
         from bumps b where a.id = b.alert_id`,
        [
          pgJson(
            set.occurrences.map((o) => ({
              alert_id: o.alertId,
              batch_id: o.batchId,
              t: o.time,
              count: o.count,
              pids: o.pids,
              first: o.first,
              title: o.update?.title ?? null,
              evidence: o.update?.evidence ?? null,
              data: o.update?.data ?? null,
              acceptance: o.update?.acceptance ?? null,
              severity: o.severity ?? null,
              new_severity: o.update?.severity ?? null,
              score: o.update?.score ?? null,
              mitre: o.update?.mitre ?? null,
              kind: o.update?.kind ?? null,
              detector: o.update?.detector ?? null,
              incident_id: o.update?.incidentId ?? null,
            })),
          ),
        ],
      );
    }
    if (set.incidents.length > 0) {
      // An incident row is a function of its alerts: recomputing it is idempotent under replays.
      await c.query(
        `insert into incidents (id, endpoint_id, first_seen, last_seen, severity, title, alert_count, techniques, programs, root_pid, root_program)
         select a.incident_id, (array_agg(a.endpoint_id))[1], min(a.time), max(coalesce(a.last_seen, a.time)),
                (array_agg(a.severity order by ${SEVERITY_ORDER} desc, a.time, a.id))[1],
                (array_agg(a.title order by ${SEVERITY_ORDER} desc, a.time, a.id))[1],
                count(*)::int,
                coalesce(array_agg(distinct a.mitre) filter (where a.mitre is not null), '{}'),
                array_agg(distinct a.program),
                (array_agg(a.pid order by a.time, a.id))[1],
                (array_agg(a.program order by a.time, a.id))[1]
         from alerts a where a.incident_id = any($1::text[])
         group by a.incident_id
         on conflict (id) do update set last_seen = excluded.last_seen, severity = excluded.severity, title = excluded.title,
           alert_count = excluded.alert_count, techniques = excluded.techniques, programs = excluded.programs, updated_at = now()`,
        [set.incidents],
      );
    }
  }

  private async writeTelemetry(c: PoolClient, set: WriteSet): Promise<void> {
    if (set.activity.length > 0) {
      await c.query(
        `insert into activity (time, window_start, endpoint_id, batch_id, program, processes, syscalls, file_opens, execs, net_ops, security_ops, alerts)
         select ${ms('x.t')}, ${ms('x.ws')}, x.endpoint_id::uuid, x.batch_id, x.program, x.processes, x.syscalls, x.file_opens, x.execs,
                x.net_ops, x.security_ops, x.alerts
         from jsonb_to_recordset($1::jsonb) as x(t float8, ws float8, endpoint_id text, batch_id text, program text, processes int, syscalls bigint,
              file_opens bigint, execs int, net_ops bigint, security_ops int, alerts int)
         on conflict do nothing`,
        [
          pgJson(
            set.activity.map((a) => ({
              t: a.time,
              ws: a.windowStart,
              endpoint_id: a.endpointId,
              batch_id: a.batchId,
              program: indexedPath(a.program),
              processes: a.processes,
              syscalls: a.syscalls,
              file_opens: a.fileOpens,
              execs: a.execs,
              net_ops: a.netOps,
              security_ops: a.securityOps,
              alerts: a.alerts,
            })),
          ),
        ],
      );
    }
    if (set.processes.length > 0) {
      const NEWER = 'excluded.last_seen >= processes.last_seen';
      await c.query(
        `insert into processes (endpoint_id, boot_id, pid, start_time_ns, ppid, exe, comm, uid, container_id, ancestry, argv, first_seen, last_seen, exited_at, exit_code)
         select x.endpoint_id::uuid, x.boot_id, x.pid, x.start_time_ns::bigint, x.ppid, x.exe, x.comm, x.uid, x.container_id,
                array(select jsonb_array_elements_text(x.ancestry)),
                case when x.argv is null then null else array(select jsonb_array_elements_text(x.argv)) end,
                ${ms('x.fs')}, ${ms('x.ls')}, case when x.ex is null then null else ${ms('x.ex')} end, x.exit_code
         from jsonb_to_recordset($1::jsonb) as x(endpoint_id text, boot_id text, pid int, start_time_ns text, ppid int, exe text, comm text, uid int,
              container_id text, ancestry jsonb, argv jsonb, fs float8, ls float8, ex float8, exit_code int)
         on conflict (endpoint_id, boot_id, pid, start_time_ns) do update set
           -- what the process runs now comes from the row the agent took last (an urgent batch can
           -- overtake an older window); an argv never outlives its image: kept only while the exe is unchanged
           ppid = case when ${NEWER} then excluded.ppid else processes.ppid end,
           exe = case when ${NEWER} then excluded.exe else processes.exe end,
           comm = case when ${NEWER} then excluded.comm else processes.comm end,
           uid = case when ${NEWER} then excluded.uid else processes.uid end,
           container_id = coalesce(excluded.container_id, processes.container_id),
           ancestry = case when ${NEWER} then excluded.ancestry else processes.ancestry end,
           argv = case when not ${NEWER} then processes.argv
                       when excluded.exe is distinct from processes.exe then excluded.argv
                       else coalesce(excluded.argv, processes.argv) end,
           first_seen = least(processes.first_seen, excluded.first_seen), last_seen = greatest(processes.last_seen, excluded.last_seen),
           exited_at = coalesce(processes.exited_at, excluded.exited_at), exit_code = coalesce(processes.exit_code, excluded.exit_code)
         -- A long-running process is in every window: rewriting its row each time only to move
         -- last_seen by one window left a dead row version (and an index entry) per process per
         -- window — most of what the table grew by. last_seen is kept to within a minute instead.
         where not (excluded.last_seen < processes.last_seen + interval '60 seconds'
                    and excluded.first_seen >= processes.first_seen
                    and excluded.ppid is not distinct from processes.ppid and excluded.exe is not distinct from processes.exe
                    and excluded.comm is not distinct from processes.comm and excluded.uid is not distinct from processes.uid
                    and excluded.ancestry is not distinct from processes.ancestry
                    and (excluded.container_id is null or excluded.container_id is not distinct from processes.container_id)
                    and (excluded.argv is null or excluded.argv is not distinct from processes.argv)
                    and (excluded.exited_at is null or processes.exited_at is not null)
                    and (excluded.exit_code is null or processes.exit_code is not null))`,
        [
          pgJson(
            set.processes.map((p) => ({
              endpoint_id: p.endpointId,
              boot_id: p.bootId,
              pid: p.pid,
              start_time_ns: p.startTimeNs,
              ppid: p.ppid,
              exe: p.exe,
              comm: p.comm,
              uid: p.uid,
              container_id: p.containerId,
              ancestry: p.ancestry,
              argv: p.argv,
              fs: p.firstSeen,
              ls: p.lastSeen,
              ex: p.exitedAt,
              exit_code: p.exitCode,
            })),
          ),
        ],
      );
    }
    if (set.baselines.length > 0) {
      await c.query(
        `insert into program_baselines (endpoint_id, program_key, program, phase, runs, first_seen, last_seen, active_since, summary, state, updated_at)
         select x.endpoint_id::uuid, x.program_key, x.program, x.phase, x.runs, ${ms('x.fs')}, ${ms('x.ls')},
                case when x.act is null then null else ${ms('x.act')} end, x.summary, x.state, now()
         from jsonb_to_recordset($1::jsonb) as x(endpoint_id text, program_key text, program text, phase text, runs bigint, fs float8, ls float8,
              act float8, summary jsonb, state jsonb)
         on conflict (endpoint_id, program_key) do update set
           program = excluded.program, phase = excluded.phase, runs = excluded.runs, first_seen = excluded.first_seen, last_seen = excluded.last_seen,
           active_since = excluded.active_since, summary = excluded.summary, state = excluded.state, updated_at = now()`,
        [
          pgJson(
            set.baselines.map((b) => ({
              endpoint_id: b.endpointId,
              program_key: b.programKey,
              program: indexedPath(b.program),
              phase: b.phase,
              runs: b.runs,
              fs: b.firstSeen,
              ls: b.lastSeen,
              act: b.activeSince,
              summary: b.summary,
              state: b.state,
            })),
          ),
        ],
      );
    }
    if (set.endpoints.length > 0) {
      await c.query(
        // an urgent batch carries no figures (null; losses only when the spool evicted): it keeps the window's
        `update endpoints e set agent_version = x.agent_version, events_per_s = case when x.urgent then e.events_per_s else x.eps end,
                drops = coalesce(x.drops, e.drops), degraded = coalesce(x.degraded, e.degraded),
                last_seen_at = greatest(e.last_seen_at, ${ms('x.ls')})
         from jsonb_to_recordset($1::jsonb) as x(endpoint_id text, agent_version text, eps float8, drops bigint, degraded bigint, urgent boolean, ls float8)
         where e.id = x.endpoint_id::uuid`,
        [
          pgJson(
            set.endpoints.map((e) => ({
              endpoint_id: e.endpointId,
              agent_version: e.agentVersion,
              eps: e.eventsPerS,
              drops: e.drops,
              degraded: e.degraded,
              urgent: e.degraded === null, // only urgent batches carry no degraded figure
              ls: e.lastSeen,
            })),
          ),
        ],
      );
    }
    if (set.learning.length > 0) {
      await c.query(
        `insert into endpoint_learning (endpoint_id, learning_from, learning_until, last_batch, state, updated_at)
         select x.endpoint_id::uuid, ${ms('x.lf')}, ${ms('x.lu')}, ${ms('x.lb')}, x.state, now()
         from jsonb_to_recordset($1::jsonb) as x(endpoint_id text, lf float8, lu float8, lb float8, state jsonb)
         on conflict (endpoint_id) do update set learning_from = excluded.learning_from, learning_until = excluded.learning_until,
           last_batch = excluded.last_batch, state = excluded.state, updated_at = now()`,
        [pgJson(set.learning.map((l) => ({ endpoint_id: l.endpointId, lf: l.learningFrom, lu: l.learningUntil, lb: l.lastBatch, state: l.state })))],
      );
    }
    if (set.acceptances.length > 0) {
      await c.query('update baseline_acceptances set applied_at = now() where id = any($1::bigint[]) and applied_at is null', [set.acceptances]);
    }
  }

  /** The produce of these alerts was acknowledged: they leave the outbox. */
  async published(alertIds: string[]): Promise<void> {
    if (alertIds.length === 0) return;
    await this.run('clearing the alert outbox', (c) => c.query('delete from alert_outbox where alert_id = any($1::text[])', [alertIds]));
  }

  /**
   * Alerts whose produce was never acknowledged (older than `olderThanMs`): `publish` them, then
   * remove them from the outbox, holding row locks so two instances do not relay the same rows.
   */
  async relayOutbox(olderThanMs: number, publish: (alerts: Alert[]) => Promise<void>, limit = 200): Promise<number> {
    return this.transaction('relaying the alert outbox', async (client) => {
      const r = await client.query<AlertRow>(
        `select a.* from alert_outbox o join alerts a on a.id = o.alert_id and a.time = o.alert_time
         where o.created_at < now() - make_interval(secs => $1::float8 / 1000)
         order by o.created_at limit $2 for update of o skip locked`,
        [olderThanMs, limit],
      );
      if (r.rows.length > 0) {
        await publish(r.rows.map(alertFromDb));
        await client.query('delete from alert_outbox where alert_id = any($1::text[])', [r.rows.map((row) => row.id)]);
      }
      return r.rows.length;
    });
  }

  /**
   * Native partition maintenance (no-op on TimescaleDB): daily partitions from yesterday to
   * `daysAhead` days ahead, and old ones dropped; on either, process rows last seen more than
   * `processes.days` ago deleted (the process table had no retention: a build host adds hundreds of
   * rows a window), and, when `processes.unalertedDays` is shorter, rows last seen more than that ago
   * with no alert on their endpoint within `processes.alertMarginMinutes` (10) of their lifetime (the
   * process trees of alerts and incidents stay whole). One instance at a time (advisory lock).
   */
  async maintainPartitions(
    daysAhead: number,
    retention: Record<string, number>,
    processes?: { days: number; unalertedDays?: number; alertMarginMinutes?: number },
  ): Promise<{ created: number; dropped: number; processesPruned: number } | undefined> {
    return this.transaction('maintaining partitions', async (client) => {
      const lock = await client.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1) as ok', [0x5669_6761]);
      if (!lock.rows[0]?.ok) return undefined;
      let created = 0;
      for (const t of ['alerts', 'alert_occurrences', 'activity']) {
        const r = await client.query<{ n: number }>('select vigil_ensure_partitions($1, current_date - 1, $2) as n', [t, daysAhead + 2]);
        created += Number(r.rows[0]?.n ?? 0);
      }
      let dropped = 0;
      for (const [t, days] of Object.entries(retention)) {
        const r = await client.query<{ n: number }>('select vigil_drop_partitions($1, current_date - $2::int) as n', [t, days]);
        dropped += Number(r.rows[0]?.n ?? 0);
      }
      let processesPruned = 0;
      if (processes) {
        const r = await client.query('delete from processes where last_seen < now() - make_interval(days => $1::int)', [processes.days]);
        processesPruned = r.rowCount ?? 0;
      }
      if (processes?.unalertedDays !== undefined && processes.unalertedDays < processes.days) {
        const r = await client.query(
          `delete from processes p
            where p.last_seen < now() - make_interval(days => $1::int)
              and not exists (
                select 1 from alerts a
                 where a.endpoint_id = p.endpoint_id
                   and a.time >= p.first_seen - make_interval(mins => $2::int)
                   and a.time <= coalesce(p.exited_at, p.last_seen) + make_interval(mins => $2::int))`,
          [processes.unalertedDays, processes.alertMarginMinutes ?? 10],
        );
        processesPruned += r.rowCount ?? 0;
      }
      return { created, dropped, processesPruned };
    });
  }
}

/** What the alert insert reads with jsonb_to_recordset: the `alerts` row (libs/db) with the time in ms and without the triage columns. */
type AlertInsert = Omit<AlertRow, 'time' | 'last_seen' | 'status' | 'assignee'> & { t: number };

function alertRow(a: Alert): AlertInsert {
  return {
    id: a.id,
    t: a.time,
    endpoint_id: a.endpointId,
    batch_id: a.batchId,
    program: indexedPath(a.program),
    program_key: a.programKey,
    exe_hash: a.exeHash,
    pid: a.pid,
    ppid: a.ppid,
    uid: a.uid,
    comm: a.comm,
    ancestry: a.ancestry,
    kind: a.kind,
    detector: a.detector,
    group_key: a.key,
    severity: a.severity,
    score: a.score,
    title: a.title,
    mitre: a.mitre,
    evidence: a.evidence,
    evidence_data: a.data,
    acceptance: a.acceptance,
    count: a.count,
    incident_id: a.incidentId,
  };
}

function alertFromDb(r: AlertRow): Alert {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    batchId: r.batch_id,
    time: r.time.getTime(),
    program: r.program,
    programKey: r.program_key,
    exeHash: r.exe_hash,
    pid: r.pid,
    ppid: r.ppid ?? 0,
    uid: r.uid ?? 0,
    comm: r.comm ?? '',
    ancestry: r.ancestry,
    detector: r.detector as Alert['detector'],
    kind: r.kind,
    key: r.group_key,
    severity: r.severity as Alert['severity'],
    score: r.score,
    mitre: r.mitre,
    title: r.title,
    evidence: r.evidence,
    data: r.evidence_data ?? {},
    count: r.count,
    acceptance: r.acceptance as Acceptance | null,
    incidentId: r.incident_id ?? null,
  };
}
