import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { camelCased, type DetectionRuleRow } from '@vigil/db';
import type { RuleEntity } from './rule.entity';

/** Reads the rule catalogue the stream analyzer publishes at start (`detection_rules`). */
@Injectable()
export class RulesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Every rule, by tactic, technique and id. */
  async all(): Promise<RuleEntity[]> {
    const rows: DetectionRuleRow[] = await this.db.query('select * from detection_rules order by tactic, technique, id');
    return rows.map(camelCased);
  }
}
