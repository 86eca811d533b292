import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentSession, RequiresReauth, Roles } from '../auth/auth.decorators';
import type { SessionContext } from '../auth/auth.service';
import { actorOf } from '../auth/session-actor';
import { toProgramDto } from '../baselines/baselines.controller';
import { CreateEndpointDto, EndpointDetailDto, EndpointDto, EndpointWithKeyDto, ListEndpointsQueryDto } from './dtos/endpoint.dto';
import type { EndpointEntity, EndpointLearning } from './endpoint.entity';
import { EndpointsService, ONLINE_WINDOW_MS } from './endpoints.service';

function toLearningDto(l: EndpointLearning | null): EndpointDto['learning'] {
  if (!l) return null;
  const span = l.until.getTime() - l.from.getTime();
  const progress = span <= 0 ? 1 : Math.max(0, Math.min(1, (l.lastBatch.getTime() - l.from.getTime()) / span));
  return { from: l.from.toISOString(), until: l.until.toISOString(), lastBatch: l.lastBatch.toISOString(), progress: Math.round(progress * 1000) / 1000, learning: l.lastBatch < l.until };
}

export function toEndpointDto(e: EndpointEntity, learning: EndpointLearning | null = null): EndpointDto {
  return {
    id: e.id,
    name: e.name,
    createdAt: e.createdAt.toISOString(),
    revokedAt: e.revokedAt?.toISOString() ?? null,
    lastSeenAt: e.lastSeenAt?.toISOString() ?? null,
    agentVersion: e.agentVersion,
    eventsPerS: e.eventsPerS,
    drops: e.drops === null ? null : Number(e.drops),
    degraded: e.degraded === null ? null : Number(e.degraded),
    learning: toLearningDto(learning),
  };
}

@ApiTags('endpoints')
@ApiCookieAuth()
@Controller('endpoints')
export class EndpointsController {
  constructor(private readonly endpoints: EndpointsService) {}

  @Get()
  @ApiOkResponse({ type: [EndpointDto] })
  async list(@Query() query: ListEndpointsQueryDto): Promise<EndpointDto[]> {
    return (await this.endpoints.list(query.includeRevoked ?? false)).map((e) => toEndpointDto(e.endpoint, e.learning));
  }

  @Get(':id')
  @Roles('analyst')
  @ApiOkResponse({ type: EndpointDetailDto, description: 'the endpoint (revoked ones too) with the programs the analyzer keeps a baseline for' })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<EndpointDetailDto> {
    const { endpoint, learning, programs } = await this.endpoints.detail(id);
    const online = endpoint.revokedAt === null && endpoint.lastSeenAt !== null && Date.now() - endpoint.lastSeenAt.getTime() < ONLINE_WINDOW_MS;
    return { ...toEndpointDto(endpoint, learning), online, programs: programs.map(toProgramDto) };
  }

  @Post()
  @Roles('admin')
  @RequiresReauth()
  @ApiCreatedResponse({ type: EndpointWithKeyDto, description: 'the key and config are shown this once' })
  enrol(@Body() body: CreateEndpointDto, @CurrentSession() session: SessionContext): Promise<EndpointWithKeyDto> {
    return this.endpoints.enrol(body.name, actorOf(session));
  }

  @Post(':id/rotate-key')
  @Roles('admin')
  @RequiresReauth()
  @HttpCode(200)
  @ApiOkResponse({ type: EndpointWithKeyDto, description: 'the new key and config; the old key stops working' })
  rotateKey(@Param('id', new ParseUUIDPipe()) id: string, @CurrentSession() session: SessionContext): Promise<EndpointWithKeyDto> {
    return this.endpoints.rotateKey(id, actorOf(session));
  }

  @Delete(':id')
  @Roles('admin')
  @RequiresReauth()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'revoked: its key no longer authenticates' })
  revoke(@Param('id', new ParseUUIDPipe()) id: string, @CurrentSession() session: SessionContext): Promise<void> {
    return this.endpoints.revoke(id, actorOf(session));
  }
}
