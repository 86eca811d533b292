import { Injectable } from '@nestjs/common';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import { EndpointsService } from '../endpoints/endpoints.service';
import type { ProcessEntity } from './process.entity';
import { ProcessesRepository } from './processes.repository';

/** Most processes in one tree (a busy host runs a few thousand). */
export const MAX_TREE_PROCESSES = 20_000;

@Injectable()
export class ProcessesService {
  constructor(
    private readonly processes: ProcessesRepository,
    private readonly endpoints: EndpointsService,
  ) {}

  /** The process tree of an endpoint at `at` (default now): the processes alive then. */
  async treeAt(endpointId: string, at?: string): Promise<{ at: Date; processes: ProcessEntity[] }> {
    const moment = at === undefined ? new Date() : new Date(at);
    if (Number.isNaN(moment.getTime())) throw new ApiError(ApiErrorCode.ValidationFailed, 'at: not an ISO 8601 time');
    await this.endpoints.get(endpointId);
    return { at: moment, processes: await this.processes.aliveAt(endpointId, moment, MAX_TREE_PROCESSES) };
  }
}
