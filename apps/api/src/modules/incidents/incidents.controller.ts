import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentSession } from '../auth/auth.decorators';
import type { SessionContext } from '../auth/auth.service';
import { actorOf } from '../auth/session-actor';
import { UpdateAlertDto } from '../alerts/dtos/alert.dto';
import { IncidentDetailDto, IncidentDto, IncidentQueryDto } from './dtos/incident.dto';
import type { IncidentEntity } from './incident.entity';
import { IncidentsService } from './incidents.service';

const toDto = (i: IncidentEntity): IncidentDto => ({
  id: i.id,
  endpointId: i.endpointId,
  firstSeen: i.firstSeen.toISOString(),
  lastSeen: i.lastSeen.toISOString(),
  severity: i.severity,
  title: i.title,
  alertCount: i.alertCount,
  techniques: i.techniques,
  programs: i.programs,
  rootPid: i.rootPid,
  rootProgram: i.rootProgram,
  status: i.status,
  assignee: i.assignee,
  rank: i.rank,
});

@ApiTags('incidents')
@ApiCookieAuth()
@Controller('incidents')
export class IncidentsController {
  constructor(private readonly incidents: IncidentsService) {}

  @Get()
  @ApiOkResponse({ type: [IncidentDto], description: 'highest rank (severity × rarity) first, or newest first with sort=time' })
  async list(@Query() q: IncidentQueryDto): Promise<IncidentDto[]> {
    return (await this.incidents.list({ statuses: q.status, endpointId: q.endpointId, sort: q.sort ?? 'rank', limit: q.limit ?? 50 })).map(toDto);
  }

  @Get(':id')
  @ApiOkResponse({ type: IncidentDetailDto })
  async get(@Param('id') id: string): Promise<IncidentDetailDto> {
    const { incident, alerts, processes } = await this.incidents.story(id);
    return {
      ...toDto(incident),
      alerts: alerts.map((a) => ({ ...a, time: a.time.toISOString(), lastSeen: a.lastSeen?.toISOString() ?? null })),
      processes: processes.map((p) => ({ ...p, firstSeen: p.firstSeen.toISOString(), exitedAt: p.exitedAt?.toISOString() ?? null })),
    };
  }

  /** Triage of the incident: status, assignee and note apply to every alert of it (each audited). */
  @Patch(':id')
  @ApiOkResponse({ type: IncidentDetailDto })
  async update(@Param('id') id: string, @Body() body: UpdateAlertDto, @CurrentSession() s: SessionContext): Promise<IncidentDetailDto> {
    await this.incidents.update(id, { status: body.status, assignee: body.assignee, note: body.note }, actorOf(s));
    return this.get(id);
  }
}
