import { Module } from '@nestjs/common';
import { BaselinesController } from './baselines.controller';
import { BaselinesRepository } from './baselines.repository';
import { BaselinesService } from './baselines.service';

/** The analyzer's per-program baselines (read only: "accept into baseline" goes through alerts). */
@Module({
  controllers: [BaselinesController],
  providers: [BaselinesRepository, BaselinesService],
  exports: [BaselinesService],
})
export class BaselinesModule {}
