import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import type { BaselineDetailEntity, BaselineEntity } from './baseline.entity';
import { BaselinesService } from './baselines.service';
import { BaselineDetailDto, BaselineDto, BaselineQueryDto, EndpointProgramDto } from './dtos/baseline.dto';

export const toProgramDto = (b: BaselineEntity): EndpointProgramDto => ({
  programKey: b.programKey,
  program: b.program,
  phase: b.phase,
  runs: b.runs,
  firstSeen: b.firstSeen.toISOString(),
  lastSeen: b.lastSeen.toISOString(),
  activeSince: b.activeSince?.toISOString() ?? null,
  learning: b.learning && {
    origin: b.learning.origin,
    from: b.learning.from === null ? null : new Date(b.learning.from).toISOString(),
    until: b.learning.until === null ? null : new Date(b.learning.until).toISOString(),
    progress: b.learning.progress,
  },
});

const toDto = (b: BaselineEntity): BaselineDto => ({ ...toProgramDto(b), endpointId: b.endpointId, updatedAt: b.updatedAt.toISOString() });
const toDetailDto = (b: BaselineDetailEntity): BaselineDetailDto => ({ ...toDto(b), summary: b.summary });

@ApiTags('baselines')
@ApiCookieAuth()
@Roles('analyst')
@Controller('baselines')
export class BaselinesController {
  constructor(private readonly baselines: BaselinesService) {}

  @Get()
  @ApiOkResponse({ type: [BaselineDto], description: 'ordered by endpoint and program' })
  async list(@Query() q: BaselineQueryDto): Promise<BaselineDto[]> {
    return (await this.baselines.list({ endpointId: q.endpointId, program: q.program, phase: q.phase, limit: q.limit ?? 500 })).map(toDto);
  }

  @Get(':endpointId/:programKey')
  @ApiParam({ name: 'programKey', description: 'URL-encoded (e.g. %2Fusr%2Fsbin%2Fnginx)' })
  @ApiOkResponse({ type: BaselineDetailDto })
  async get(@Param('endpointId', new ParseUUIDPipe()) endpointId: string, @Param('programKey') programKey: string): Promise<BaselineDetailDto> {
    return toDetailDto(await this.baselines.get(endpointId, programKey));
  }
}
