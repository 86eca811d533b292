import { Module } from '@nestjs/common';
import { RulesController } from './rules.controller';
import { RulesRepository } from './rules.repository';
import { RulesService } from './rules.service';

/** The rule catalogue (GET /api/rules), over the `detection_rules` table the stream analyzer publishes. */
@Module({
  controllers: [RulesController],
  providers: [RulesRepository, RulesService],
})
export class RulesModule {}
