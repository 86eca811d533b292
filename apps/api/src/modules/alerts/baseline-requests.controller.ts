import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentSession, Roles } from '../auth/auth.decorators';
import type { SessionContext } from '../auth/auth.service';
import { actorOf } from '../auth/session-actor';
import type { BaselineRequestEntity } from './baseline-requests.repository';
import { BaselineRequestsService } from './baseline-requests.service';
import { BaselineRequestDto, BaselineRequestQueryDto, DecideBaselineRequestDto } from './dtos/baseline-request.dto';

export const toBaselineRequestDto = (r: BaselineRequestEntity): BaselineRequestDto => ({
  id: r.id,
  alertId: r.alertId,
  endpointId: r.endpointId,
  program: r.program,
  requestedBy: r.requestedBy,
  requestedAt: r.requestedAt.toISOString(),
  status: r.status,
  decidedBy: r.decidedBy,
  decidedAt: r.decidedAt?.toISOString() ?? null,
  reason: r.reason,
  acceptanceId: r.acceptanceId,
});

/** The four-eyes approval queue of baseline acceptances. */
@ApiTags('alerts')
@ApiCookieAuth()
@Controller('baseline-requests')
export class BaselineRequestsController {
  constructor(private readonly requests: BaselineRequestsService) {}

  @Get()
  @Roles('analyst')
  @ApiOkResponse({ type: [BaselineRequestDto], description: 'newest first' })
  async list(@Query() q: BaselineRequestQueryDto): Promise<BaselineRequestDto[]> {
    return (await this.requests.list(q.status, q.limit ?? 100)).map(toBaselineRequestDto);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Roles('admin')
  @ApiOkResponse({ type: BaselineRequestDto, description: 'approved: the acceptance is queued for the analyzer' })
  async approve(@Param('id') id: string, @Body() body: DecideBaselineRequestDto, @CurrentSession() s: SessionContext): Promise<BaselineRequestDto> {
    return toBaselineRequestDto(await this.requests.decide(id, true, body.reason ?? null, actorOf(s)));
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles('admin')
  @ApiOkResponse({ type: BaselineRequestDto })
  async reject(@Param('id') id: string, @Body() body: DecideBaselineRequestDto, @CurrentSession() s: SessionContext): Promise<BaselineRequestDto> {
    return toBaselineRequestDto(await this.requests.decide(id, false, body.reason ?? null, actorOf(s)));
  }
}
