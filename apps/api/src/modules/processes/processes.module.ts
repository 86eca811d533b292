import { Module } from '@nestjs/common';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { ProcessesController } from './processes.controller';
import { ProcessesRepository } from './processes.repository';
import { ProcessesService } from './processes.service';

/** The process tree of an endpoint at a moment, over the analyzer's `processes` table. */
@Module({
  imports: [EndpointsModule],
  controllers: [ProcessesController],
  providers: [ProcessesRepository, ProcessesService],
})
export class ProcessesModule {}
