import { Injectable } from '@nestjs/common';
import type { RuleEntity } from './rule.entity';
import { RulesRepository } from './rules.repository';

@Injectable()
export class RulesService {
  constructor(private readonly rules: RulesRepository) {}

  /** The analyzer's loaded catalogue (empty until an analyzer has started once). */
  list(): Promise<RuleEntity[]> {
    return this.rules.all();
  }
}
