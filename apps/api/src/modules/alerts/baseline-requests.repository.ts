import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export type BaselineRequestStatus = 'pending' | 'approved' | 'rejected';

/** An analyst's "accept into baseline" waiting for (or decided by) an admin: four-eyes acceptance. */
export interface BaselineRequestEntity {
  id: string;
  alertId: string;
  endpointId: string;
  program: string;
  requestedById: string | null;
  requestedBy: string;
  requestedAt: Date;
  status: BaselineRequestStatus;
  decidedBy: string | null;
  decidedAt: Date | null;
  reason: string | null;
  acceptanceId: string | null;
}

interface Row {
  id: string;
  alert_id: string;
  endpoint_id: string;
  program: string;
  requested_by_id: string | null;
  requested_by: string;
  requested_at: Date;
  status: BaselineRequestStatus;
  decided_by: string | null;
  decided_at: Date | null;
  reason: string | null;
  acceptance_id: string | null;
}

const toEntity = (r: Row): BaselineRequestEntity => ({
  id: String(r.id),
  alertId: r.alert_id,
  endpointId: r.endpoint_id,
  program: r.program,
  requestedById: r.requested_by_id,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  status: r.status,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  reason: r.reason,
  acceptanceId: r.acceptance_id === null ? null : String(r.acceptance_id),
});

@Injectable()
export class BaselineRequestsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(r: { alertId: string; endpointId: string; program: string; requestedById: string | null; requestedBy: string }): Promise<BaselineRequestEntity> {
    const rows = (await this.db.query(
      `insert into baseline_acceptance_requests (alert_id, endpoint_id, program, requested_by_id, requested_by) values ($1, $2, $3, $4, $5) returning *`,
      [r.alertId, r.endpointId, r.program, r.requestedById, r.requestedBy],
    )) as Row[];
    return toEntity(rows[0]!);
  }

  async list(status: BaselineRequestStatus | undefined, limit: number): Promise<BaselineRequestEntity[]> {
    const rows = (await this.db.query(`select * from baseline_acceptance_requests where ($1::text is null or status = $1) order by id desc limit $2`, [status ?? null, limit])) as Row[];
    return rows.map(toEntity);
  }

  async find(id: string): Promise<BaselineRequestEntity | undefined> {
    const rows = (await this.db.query(`select * from baseline_acceptance_requests where id = $1`, [id])) as Row[];
    return rows[0] && toEntity(rows[0]);
  }

  /**
   * Decide a pending request, in one transaction: approval also queues the acceptance for the
   * analyzer. Resolves undefined when the request is no longer pending (someone decided first).
   */
  async decide(id: string, d: { approve: boolean; decidedById: string | null; decidedBy: string; reason: string | null }): Promise<BaselineRequestEntity | undefined> {
    return this.db.transaction(async (tx) => {
      const locked = (await tx.query(`select * from baseline_acceptance_requests where id = $1 and status = 'pending' for update`, [id])) as Row[];
      const r = locked[0];
      if (!r) return undefined;
      let acceptanceId: string | null = null;
      if (d.approve) {
        const rows = (await tx.query(`insert into baseline_acceptances (alert_id, endpoint_id, program, accepted_by) values ($1, $2, $3, $4) returning id`, [
          r.alert_id,
          r.endpoint_id,
          r.program,
          `${r.requested_by} (approved by ${d.decidedBy})`,
        ])) as { id: string }[];
        acceptanceId = String(rows[0]!.id);
      }
      const updated = (await tx.query(
        `update baseline_acceptance_requests set status = $2, decided_by_id = $3, decided_by = $4, decided_at = now(), reason = $5, acceptance_id = $6
          where id = $1 returning *`,
        [id, d.approve ? 'approved' : 'rejected', d.decidedById, d.decidedBy, d.reason, acceptanceId],
      )) as [Row[], number];
      return toEntity(updated[0][0]!);
    });
  }
}
