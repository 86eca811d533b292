import { Injectable } from '@nestjs/common';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import type { BaselineDetailEntity, BaselineEntity } from './baseline.entity';
import { type BaselineFilter, BaselinesRepository } from './baselines.repository';

@Injectable()
export class BaselinesService {
  constructor(private readonly baselines: BaselinesRepository) {}

  list(filter: BaselineFilter): Promise<BaselineEntity[]> {
    return this.baselines.list(filter);
  }

  async get(endpointId: string, programKey: string): Promise<BaselineDetailEntity> {
    const b = await this.baselines.find(endpointId, programKey);
    if (!b) throw new ApiError(ApiErrorCode.NotFound, `no baseline of ${programKey} on endpoint ${endpointId}`);
    return b;
  }
}
