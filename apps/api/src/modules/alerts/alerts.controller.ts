import { Body, Controller, Get, HttpCode, type MessageEvent, Param, Patch, Post, Query, Req, Sse } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { concatMap, filter, from, interval, map, merge, type Observable, takeUntil } from 'rxjs';
import { ApiConfig } from '../../config/api.config';
import { CurrentSession, sessionToken, type VigilRequest } from '../auth/auth.decorators';
import { AuthService, type SessionContext } from '../auth/auth.service';
import { actorOf } from '../auth/session-actor';
import { toBucketDto } from '../activity/activity.controller';
import { bucketLabel } from '../activity/time-range';
import type { AlertDetail } from './alert-history';
import type { AlertEntity, AlertNoteEntity } from './alert.entity';
import { AlertsService } from './alerts.service';
import {
  AlertDetailDto,
  AlertDto,
  AlertPageDto,
  AlertQueryDto,
  AcceptBaselineQueryDto,
  BaselineAcceptanceDto,
  BulkUpdateAlertsDto,
  BulkUpdateResultDto,
  UpdateAlertDto,
} from './dtos/alert.dto';

export function toAlertDto(a: AlertEntity): AlertDto {
  return {
    id: a.id,
    endpointId: a.endpointId,
    time: a.time.toISOString(),
    program: a.program,
    programKey: a.programKey,
    exeHash: a.exeHash,
    pid: a.pid,
    ppid: a.ppid,
    uid: a.uid,
    comm: a.comm,
    ancestry: a.ancestry,
    kind: a.kind,
    detector: a.detector,
    severity: a.severity,
    score: a.score,
    title: a.title,
    mitre: a.mitre,
    evidence: a.evidence,
    count: a.count,
    lastSeen: a.lastSeen?.toISOString() ?? null,
    status: a.status,
    assignee: a.assignee,
    incidentId: a.incidentId ?? null,
  };
}

const asObject = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : null);

function toDetailDto(d: AlertDetail): AlertDetailDto {
  const { alert, notes, history, activity } = d;
  return {
    ...toAlertDto(alert),
    evidenceData: asObject(alert.evidenceData),
    acceptance: asObject(alert.acceptance),
    groupKey: alert.groupKey,
    batchId: alert.batchId,
    notes: notes.map(noteDto),
    history: history.map((h) => ({ time: h.time.toISOString(), type: h.type, actor: h.actor, summary: h.summary, details: h.details })),
    activity: { from: activity.range.from.toISOString(), to: activity.range.to.toISOString(), bucket: bucketLabel(activity.widthMs), buckets: activity.buckets.map(toBucketDto) },
  };
}

const noteDto = (n: AlertNoteEntity): { time: string; author: string; text: string } => ({ time: n.time.toISOString(), author: n.author, text: n.text });

/** Keeps proxies and browsers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

@ApiTags('alerts')
@ApiCookieAuth()
@Controller('alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly auth: AuthService,
    private readonly config: ApiConfig,
  ) {}

  @Get()
  @ApiOkResponse({ type: AlertPageDto })
  async list(@Query() q: AlertQueryDto): Promise<AlertPageDto> {
    const { items, nextCursor } = await this.alerts.list(
      {
        statuses: q.status,
        severities: q.severity,
        endpointId: q.endpointId,
        program: q.program,
        kind: q.kind,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        text: q.q,
      },
      q.limit ?? 50,
      q.cursor,
    );
    return { items: items.map(toAlertDto), nextCursor };
  }

  /** Server-sent events: `event: alert`, `data: <AlertDto JSON>` for each new alert; `ping` every 15 s. */
  @Sse('stream')
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'text/event-stream of AlertDto (event "alert")' })
  stream(@Req() req: VigilRequest): Observable<MessageEvent> {
    const token = sessionToken(req, this.config.cookieSecure || req.secure) ?? '';
    // An open stream ends soon after its session is revoked or expires.
    const sessionEnded = interval(this.config.streamSessionRecheckMs).pipe(
      concatMap(() => from(this.auth.isLive(token).catch(() => true))),
      filter((live) => !live),
    );
    return merge(
      this.alerts.stream().pipe(map((a): MessageEvent => ({ type: 'alert', id: a.id, data: toAlertDto(a) }))),
      interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ type: 'ping', data: '' }))),
    ).pipe(takeUntil(sessionEnded));
  }

  @Patch()
  @ApiOkResponse({ type: BulkUpdateResultDto })
  async bulkUpdate(@Body() body: BulkUpdateAlertsDto, @CurrentSession() s: SessionContext): Promise<BulkUpdateResultDto> {
    return { updated: await this.alerts.update(body.ids, { status: body.status, assignee: body.assignee, note: body.note }, actorOf(s)) };
  }

  @Get(':id')
  @ApiOkResponse({ type: AlertDetailDto })
  async get(@Param('id') id: string): Promise<AlertDetailDto> {
    return toDetailDto(await this.alerts.detail(id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: AlertDetailDto })
  async update(@Param('id') id: string, @Body() body: UpdateAlertDto, @CurrentSession() s: SessionContext): Promise<AlertDetailDto> {
    await this.alerts.update([id], { status: body.status, assignee: body.assignee, note: body.note }, actorOf(s));
    return this.get(id);
  }

  @Post(':id/accept-baseline')
  @HttpCode(202)
  @ApiOkResponse({ type: BaselineAcceptanceDto })
  async acceptBaseline(@Param('id') id: string, @Query() q: AcceptBaselineQueryDto, @CurrentSession() s: SessionContext): Promise<BaselineAcceptanceDto> {
    const { acceptanceId, requestId, endpoints } = await this.alerts.acceptIntoBaseline(id, actorOf(s), q.scope ?? 'endpoint');
    return { acceptanceId, requestId, endpoints, status: requestId ? 'pending_approval' : 'queued' };
  }
}
