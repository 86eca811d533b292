import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { BaselineDetailEntity, BaselineEntity, BaselinePhase, ProgramLearning } from './baseline.entity';

/** Filters of the baseline list (combined with AND). */
export interface BaselineFilter {
  endpointId?: string;
  /** Case-insensitive substring of the program path. */
  program?: string;
  phase?: BaselinePhase;
  limit: number;
}

const COLUMNS = `endpoint_id, program_key, program, phase, runs::text runs, first_seen, last_seen, active_since, updated_at, summary->'learning' as learning`;

interface BaselineRow {
  endpoint_id: string;
  program_key: string;
  program: string;
  phase: BaselinePhase;
  runs: string;
  first_seen: Date;
  last_seen: Date;
  active_since: Date | null;
  updated_at: Date;
  learning: ProgramLearning | null;
  summary?: Record<string, unknown>;
}

const toEntity = (r: BaselineRow): BaselineEntity => ({
  endpointId: r.endpoint_id,
  programKey: r.program_key,
  program: r.program,
  phase: r.phase,
  runs: Number(r.runs),
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  activeSince: r.active_since,
  updatedAt: r.updated_at,
  learning: r.learning ?? null,
});

/** Reads the analyzer's `program_baselines` (the `state` checkpoint column is never read here: it is large and internal). */
@Injectable()
export class BaselinesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(f: BaselineFilter): Promise<BaselineEntity[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.endpointId) where.push(`endpoint_id = $${params.push(f.endpointId)}::uuid`);
    if (f.program) where.push(`program ilike $${params.push(`%${f.program.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
    if (f.phase) where.push(`phase = $${params.push(f.phase)}`);
    const rows = (await this.db.query(
      `select ${COLUMNS} from program_baselines ${where.length ? `where ${where.join(' and ')}` : ''}
        order by endpoint_id, program, program_key limit $${params.push(f.limit)}`,
      params,
    )) as BaselineRow[];
    return rows.map(toEntity);
  }

  async find(endpointId: string, programKey: string): Promise<BaselineDetailEntity | undefined> {
    const rows = (await this.db.query(`select ${COLUMNS}, summary from program_baselines where endpoint_id = $1::uuid and program_key = $2`, [endpointId, programKey])) as BaselineRow[];
    const r = rows[0];
    return r && { ...toEntity(r), summary: r.summary ?? {} };
  }
}
