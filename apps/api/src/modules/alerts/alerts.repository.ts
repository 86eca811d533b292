import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import type { AlertCursor } from './cursor';
import { ALERT_COLUMNS, type AlertRow } from '@vigil/db';
import { SqlFeatures } from '../../database/sql-features';
import { bucketInterval, type TimeRange } from '../activity/time-range';
import { AlertEntity, AlertNoteEntity, type AlertOccurrence, type AlertStatus, type Severity, type SeverityBucket, SEVERITIES } from './alert.entity';

/** Filters of the alert list (all optional, combined with AND). */
export interface AlertFilter {
  statuses?: AlertStatus[];
  severities?: Severity[];
  endpointId?: string;
  program?: string;
  kind?: string;
  from?: Date;
  to?: Date;
  /** Case-insensitive substring of title, program or evidence. */
  text?: string;
}

/** Every column of `alerts` (libs/db owns the row type and its column list). */
const COLUMNS = ALERT_COLUMNS.join(', ');

function toEntity(r: AlertRow): AlertEntity {
  return Object.assign(new AlertEntity(), {
    id: r.id,
    endpointId: r.endpoint_id,
    time: r.time,
    program: r.program,
    programKey: r.program_key,
    exeHash: r.exe_hash,
    pid: r.pid,
    ppid: r.ppid,
    uid: r.uid,
    comm: r.comm,
    ancestry: r.ancestry ?? [],
    kind: r.kind,
    detector: r.detector,
    groupKey: r.group_key,
    severity: r.severity,
    score: Number(r.score),
    title: r.title,
    mitre: r.mitre,
    evidence: r.evidence,
    evidenceData: r.evidence_data,
    acceptance: r.acceptance,
    batchId: r.batch_id,
    count: r.count,
    lastSeen: r.last_seen,
    status: r.status,
    assignee: r.assignee,
    incidentId: r.incident_id,
  });
}

/** Reads and triages the analyzer's `alerts` table; notes live in the API's `alert_notes`. */
@Injectable()
export class AlertsRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(AlertNoteEntity) private readonly notes: Repository<AlertNoteEntity>,
    private readonly features: SqlFeatures,
  ) {}

  /** Newest first (time, then id), `limit` rows after `cursor`. Keyset paging: cost does not grow with depth. */
  async page(filter: AlertFilter, limit: number, cursor?: AlertCursor): Promise<AlertEntity[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.statuses?.length) add((p) => `status = any(${p}::text[])`, filter.statuses);
    if (filter.severities?.length) add((p) => `severity = any(${p}::text[])`, filter.severities);
    if (filter.endpointId) add((p) => `endpoint_id = ${p}::uuid`, filter.endpointId);
    if (filter.program) add((p) => `program = ${p}`, filter.program);
    if (filter.kind) add((p) => `kind = ${p}`, filter.kind);
    if (filter.from) add((p) => `time >= ${p}`, filter.from);
    if (filter.to) add((p) => `time < ${p}`, filter.to);
    if (filter.text) {
      const pattern = `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      // The expression of the trigram index alerts_text_trgm_idx (libs/db migration 20261201200000).
      add((p) => `(title || ' ' || program || ' ' || evidence) ilike ${p}`, pattern);
    }
    if (cursor) {
      params.push(cursor.time, cursor.id);
      where.push(`(time, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(limit);
    const rows = (await this.db.query(
      `select ${COLUMNS} from alerts ${where.length ? `where ${where.join(' and ')}` : ''} order by time desc, id desc limit $${params.length}`,
      params,
    )) as AlertRow[];
    return rows.map(toEntity);
  }

  async findById(id: string): Promise<AlertEntity | undefined> {
    const rows = (await this.db.query(`select ${COLUMNS} from alerts where id = $1`, [id])) as AlertRow[];
    return rows[0] && toEntity(rows[0]);
  }

  async findByIds(ids: string[]): Promise<AlertEntity[]> {
    const rows = (await this.db.query(`select ${COLUMNS} from alerts where id = any($1) order by time desc, id desc`, [ids])) as AlertRow[];
    return rows.map(toEntity);
  }

  /** The batches that contributed to an alert, oldest first (at most `limit`, the newest ones). */
  async occurrences(alertId: string, limit: number): Promise<AlertOccurrence[]> {
    const rows = (await this.db.query(
      `select time, batch_id, count, pids from (select time, batch_id, count, pids from alert_occurrences where alert_id = $1 order by time desc limit $2) o order by time`,
      [alertId, limit],
    )) as { time: Date; batch_id: string; count: number; pids: number[] | null }[];
    return rows.map((r) => ({ time: r.time, batchId: r.batch_id, count: r.count, pids: r.pids ?? [] }));
  }

  /** Alerts per bucket of `widthMs` and severity over [from, to) (buckets without alerts are absent). */
  async severityBuckets(range: TimeRange, widthMs: number): Promise<SeverityBucket[]> {
    const counts = SEVERITIES.map((s) => `(count(*) filter (where severity = '${s}'))::int as ${s}`).join(', ');
    return (await this.db.query(
      `select ${this.features.bucketSql('$3', 'time')} bucket, ${counts} from alerts where time >= $1 and time < $2 group by 1 order by 1`,
      [range.from, range.to, bucketInterval(widthMs)],
    )) as SeverityBucket[];
  }

  /** Set status and/or assignee; returns the previous values of the rows changed (one statement, so concurrent triage is serialised per row). */
  async update(ids: string[], change: { status?: AlertStatus; assignee?: string | null }): Promise<{ id: string; oldStatus: AlertStatus; oldAssignee: string | null }[]> {
    const sets: string[] = [];
    const params: unknown[] = [ids];
    if (change.status !== undefined) {
      params.push(change.status);
      sets.push(`status = $${params.length}`);
    }
    if (change.assignee !== undefined) {
      params.push(change.assignee);
      sets.push(`assignee = $${params.length}`);
    }
    if (sets.length === 0) return (await this.findByIds(ids)).map((a) => ({ id: a.id, oldStatus: a.status, oldAssignee: a.assignee }));
    const rows = (await this.db.query(
      `update alerts a set ${sets.join(', ')} from (select id, time, status, assignee from alerts where id = any($1) for update) old
        where a.id = old.id and a.time = old.time returning a.id, old.status as old_status, old.assignee as old_assignee`,
      params,
    )) as [{ id: string; old_status: AlertStatus; old_assignee: string | null }[], number];
    // pg's UPDATE … RETURNING comes back as [rows, count] through TypeORM's postgres driver.
    const returned = Array.isArray(rows[0]) ? rows[0] : (rows as unknown as { id: string; old_status: AlertStatus; old_assignee: string | null }[]);
    return returned.map((r) => ({ id: r.id, oldStatus: r.old_status, oldAssignee: r.old_assignee }));
  }

  async addNote(alertId: string, author: { id: string | null; username: string }, text: string): Promise<void> {
    await this.notes.insert({ alertId, authorId: author.id, author: author.username, text });
  }

  notesOf(alertId: string): Promise<AlertNoteEntity[]> {
    return this.notes.find({ where: { alertId }, order: { id: 'ASC' } });
  }

  /** Queue "accept into baseline" for the analyzer (it sets applied_at when done). */
  /**
   * Queue the alert's acceptance for every endpoint that runs its programs (any build; a process
   * tree's alert names several): one row per (endpoint, program key), skipping those with one pending for the same alert. Resolves the ids.
   */
  async insertFleetAcceptances(a: { alertId: string; programs: string[]; acceptedBy: string }): Promise<string[]> {
    const rows = (await this.db.query(
      `insert into baseline_acceptances (alert_id, endpoint_id, program, program_key, accepted_by)
       select $1, b.endpoint_id, b.program, b.program_key, $3 from program_baselines b
        where b.program = any($2::text[])
          and not exists (select 1 from baseline_acceptances x where x.alert_id = $1 and x.endpoint_id = b.endpoint_id
                          and x.program_key is not distinct from b.program_key and x.applied_at is null)
       returning id`,
      [a.alertId, a.programs, a.acceptedBy],
    )) as { id: string }[];
    return rows.map((r) => String(r.id));
  }

  async insertBaselineAcceptance(a: { alertId: string; endpointId: string; program: string; acceptedBy: string }): Promise<string> {
    const rows = (await this.db.query(
      `insert into baseline_acceptances (alert_id, endpoint_id, program, accepted_by) values ($1, $2, $3, $4) returning id`,
      [a.alertId, a.endpointId, a.program, a.acceptedBy],
    )) as { id: string }[];
    return String(rows[0]!.id);
  }
}
