import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { RuleEntity } from './rule.entity';

interface RuleRow {
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

/** Reads the rule catalogue the stream analyzer publishes at start (`detection_rules`). */
@Injectable()
export class RulesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Every rule, by tactic, technique and id. */
  async all(): Promise<RuleEntity[]> {
    const rows: RuleRow[] = await this.db.query('select * from detection_rules order by tactic, technique, id');
    return rows.map((r) => ({
      id: r.id,
      tactic: r.tactic,
      tacticName: r.tactic_name,
      technique: r.technique,
      title: r.title,
      severity: r.severity,
      maturity: r.maturity,
      source: r.source,
      file: r.file,
      event: r.event,
      baselineNever: r.baseline_never,
      rationale: r.rationale,
      falsePositives: r.false_positives,
      exceptions: r.exceptions,
      publishedAt: r.published_at,
    }));
  }
}
