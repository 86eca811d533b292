import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AlertStatus, Severity } from '../alerts/alert.entity';
import { camelCased, type IncidentRow as IncidentTableRow } from '@vigil/db';
import type { IncidentAlertEntity, IncidentEntity, IncidentProcessEntity } from './incident.entity';

/** Filters of the incident list. */
export interface IncidentFilter {
  statuses?: AlertStatus[];
  endpointId?: string;
  sort: 'rank' | 'time';
  limit: number;
}

/** An incident row with its rank (RANKED below). */
type IncidentRow = IncidentTableRow & { rank: number };

const SEVERITY_RANK = `case severity when 'critical' then 4 when 'high' then 3 when 'medium' then 2 when 'low' then 1 else 0 end`;

/**
 * Rank of each incident: severity × rarity. Rarity of an alert = 1 − (other live endpoints that raised
 * the same kind for the same program in 30 days) / (live endpoints); the incident takes its rarest.
 */
const RANKED = `
  with fleet as (select greatest(count(*), 1)::float8 n from endpoints where revoked_at is null),
  ranked as (
    select i.*, round((${SEVERITY_RANK} * 25 * coalesce((
      select max(1 - (select count(distinct o.endpoint_id) from alerts o
                       where o.program = a.program and o.kind = a.kind and o.endpoint_id <> a.endpoint_id
                         and o.time > now() - interval '30 days') / fleet.n)
        from alerts a where a.incident_id = i.id), 1))::numeric, 1)::float8 as rank
    from incidents i, fleet
  )`;

/** The entity: the row camelCased, without its bookkeeping `updated_at`, the rank never below 0. */
const toEntity = ({ updated_at: _updatedAt, rank, ...row }: IncidentRow): IncidentEntity => ({ ...camelCased(row), rank: Math.max(0, rank) });

/** Reads the analyzer's `incidents` (and their alerts and processes); writes only the triage columns. */
@Injectable()
export class IncidentsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(f: IncidentFilter): Promise<IncidentEntity[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.statuses?.length) where.push(`status = any($${params.push(f.statuses)}::text[])`);
    if (f.endpointId) where.push(`endpoint_id = $${params.push(f.endpointId)}::uuid`);
    const order = f.sort === 'rank' ? 'rank desc, last_seen desc, id desc' : 'last_seen desc, id desc';
    const rows = (await this.db.query(
      `${RANKED} select * from ranked ${where.length ? `where ${where.join(' and ')}` : ''} order by ${order} limit $${params.push(f.limit)}`,
      params,
    )) as IncidentRow[];
    return rows.map(toEntity);
  }

  async find(id: string): Promise<IncidentEntity | undefined> {
    const rows = (await this.db.query(`${RANKED} select * from ranked where id = $1`, [id])) as IncidentRow[];
    return rows[0] && toEntity(rows[0]);
  }

  /** The incident's alerts, oldest first, with how many other endpoints raised the same. */
  async alerts(id: string): Promise<IncidentAlertEntity[]> {
    const rows = (await this.db.query(
      `select a.id, a.time, a.last_seen, a.program, a.pid, a.ppid, a.kind, a.severity, a.title, a.mitre, a.count, a.status,
              (select count(distinct o.endpoint_id) from alerts o
                where o.program = a.program and o.kind = a.kind and o.time > now() - interval '30 days')::int as endpoints_with_same
         from alerts a where a.incident_id = $1 order by a.time, a.id`,
      [id],
    )) as { id: string; time: Date; last_seen: Date | null; program: string; pid: number; ppid: number | null; kind: string; severity: Severity; title: string; mitre: string | null; count: number; status: AlertStatus; endpoints_with_same: number }[];
    return rows.map((r) => ({
      id: r.id,
      time: r.time,
      lastSeen: r.last_seen,
      program: r.program,
      pid: r.pid,
      ppid: r.ppid,
      kind: r.kind,
      severity: r.severity,
      title: r.title,
      mitre: r.mitre,
      count: r.count,
      status: r.status,
      endpointsWithSame: r.endpoints_with_same,
    }));
  }

  /**
   * The processes of the tree around the incident's alerts: their processes, their parents and their
   * children, seen on the endpoint while the incident ran (± 10 minutes).
   */
  async processes(i: IncidentEntity, pids: number[], limit = 500): Promise<IncidentProcessEntity[]> {
    const rows = (await this.db.query(
      `select distinct on (pid, start_time_ns) pid, ppid, exe, argv, first_seen, exited_at from processes
        where endpoint_id = $1::uuid and (pid = any($2::int[]) or ppid = any($2::int[]))
          and first_seen <= $4::timestamptz + interval '10 minutes' and last_seen >= $3::timestamptz - interval '10 minutes'
        order by pid, start_time_ns, first_seen limit $5`,
      [i.endpointId, pids, i.firstSeen, i.lastSeen, limit],
    )) as { pid: number; ppid: number; exe: string; argv: string[] | null; first_seen: Date; exited_at: Date | null }[];
    return rows.map((r) => ({ pid: r.pid, ppid: r.ppid, exe: r.exe, argv: r.argv, firstSeen: r.first_seen, exitedAt: r.exited_at }));
  }

  /** Set the triage columns; resolves the ids of the incident's alerts, or undefined when there is no such incident. */
  async update(id: string, change: { status?: AlertStatus; assignee?: string | null }): Promise<{ alertIds: string[]; oldStatus: AlertStatus; oldAssignee: string | null } | undefined> {
    return this.db.transaction(async (m) => {
      const before = (await m.query(`select status, assignee from incidents where id = $1 for update`, [id])) as { status: AlertStatus; assignee: string | null }[];
      if (!before[0]) return undefined;
      await m.query(
        `update incidents set status = coalesce($2, status), assignee = case when $3::boolean then $4 else assignee end, updated_at = now() where id = $1`,
        [id, change.status ?? null, change.assignee !== undefined, change.assignee ?? null],
      );
      const alerts = (await m.query(`select id from alerts where incident_id = $1 order by time, id`, [id])) as { id: string }[];
      return { alertIds: alerts.map((a) => a.id), oldStatus: before[0].status, oldAssignee: before[0].assignee };
    });
  }
}
