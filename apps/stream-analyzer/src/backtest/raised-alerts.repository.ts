import type { Pool } from '@vigil/db';

/** An alert as stored (the fields a backtest compares and prints). */
export interface RaisedAlert {
  id: string;
  endpointId: string;
  time: number;
  program: string;
  kind: string;
  severity: string;
  title: string;
  evidence: string;
  count: number;
}

/** Reads the alerts that were raised live, to set beside a backtest's. */
export class RaisedAlertsRepository {
  constructor(private readonly pool: Pool) {}

  /** Alerts raised by the given batches (alert ids derive from the batch, so a replay names the same ones). */
  async forBatches(batchIds: string[]): Promise<RaisedAlert[]> {
    if (batchIds.length === 0) return [];
    const r = await this.pool.query<{ id: string; endpoint_id: string; time: Date; program: string; kind: string; severity: string; title: string; evidence: string; count: number }>(
      'select id, endpoint_id, time, program, kind, severity, title, evidence, count from alerts where batch_id = any($1::text[]) order by time, id',
      [batchIds],
    );
    return r.rows.map((a) => ({ id: a.id, endpointId: a.endpoint_id, time: a.time.getTime(), program: a.program, kind: a.kind, severity: a.severity, title: a.title, evidence: a.evidence, count: a.count }));
  }
}
