import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { EndpointEntity } from './endpoint.entity';
import { EndpointsController } from './endpoints.controller';
import { EndpointsRepository } from './endpoints.repository';
import { EndpointsService } from './endpoints.service';

@Module({
  imports: [TypeOrmModule.forFeature([EndpointEntity]), AuditModule],
  controllers: [EndpointsController],
  providers: [EndpointsRepository, EndpointsService],
})
export class EndpointsModule {}
