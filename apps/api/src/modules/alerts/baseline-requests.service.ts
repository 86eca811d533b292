import { Injectable } from '@nestjs/common';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import { type Actor, AuditService } from '../audit/audit.service';
import { type BaselineRequestEntity, type BaselineRequestStatus, BaselineRequestsRepository } from './baseline-requests.repository';

/** Four-eyes baseline acceptance: admins approve or reject analysts' requests (never their own); all audited. */
@Injectable()
export class BaselineRequestsService {
  constructor(
    private readonly requests: BaselineRequestsRepository,
    private readonly audit: AuditService,
  ) {}

  async request(alert: { id: string; endpointId: string; program: string }, actor: Actor): Promise<BaselineRequestEntity> {
    const r = await this.requests.insert({ alertId: alert.id, endpointId: alert.endpointId, program: alert.program, requestedById: actor.id, requestedBy: actor.username });
    await this.audit.record(actor, { action: 'baseline.accept_requested', target: alert.id, details: { requestId: r.id, endpointId: alert.endpointId, program: alert.program } });
    return r;
  }

  list(status: BaselineRequestStatus | undefined, limit: number): Promise<BaselineRequestEntity[]> {
    return this.requests.list(status, limit);
  }

  async decide(id: string, approve: boolean, reason: string | null, actor: Actor): Promise<BaselineRequestEntity> {
    const r = /^\d{1,18}$/.test(id) ? await this.requests.find(id) : undefined;
    if (!r) throw new ApiError(ApiErrorCode.NotFound, `no baseline acceptance request ${id}`);
    if (r.status !== 'pending') throw new ApiError(ApiErrorCode.Conflict, `request ${id} was already ${r.status} by ${r.decidedBy ?? 'someone'}`);
    if ((r.requestedById !== null && r.requestedById === actor.id) || r.requestedBy === actor.username) {
      throw new ApiError(ApiErrorCode.Forbidden, 'four eyes: another admin must decide on your own request');
    }
    const decided = await this.requests.decide(id, { approve, decidedById: actor.id, decidedBy: actor.username, reason });
    if (!decided) throw new ApiError(ApiErrorCode.Conflict, `request ${id} was decided meanwhile`);
    await this.audit.record(actor, {
      action: approve ? 'baseline.accept_approved' : 'baseline.accept_rejected',
      target: r.alertId,
      details: { requestId: id, requestedBy: r.requestedBy, acceptanceId: decided.acceptanceId, reason, endpointId: r.endpointId, program: r.program },
    });
    return decided;
  }
}
