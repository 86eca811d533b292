import { Injectable } from '@nestjs/common';
import { enrolmentAuditEntry, generateEndpointKey, hashEndpointKey } from '@vigil/db';
import { ApiConfig } from '../../config/api.config';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import type { Actor } from '../audit/audit.service';
import type { BaselineEntity } from '../baselines/baseline.entity';
import { BaselinesService } from '../baselines/baselines.service';
import { AuditService } from '../audit/audit.service';
import { renderAgentConfig } from './agent-config';
import type { EndpointEntity, EndpointLearning } from './endpoint.entity';
import { type EndpointCounts, EndpointsRepository } from './endpoints.repository';

/** An endpoint is online when it was seen this recently (agents send a batch every few seconds). */
export const ONLINE_WINDOW_MS = 120_000;
/** Most programs listed in an endpoint's detail. */
const MAX_PROGRAMS = 5_000;

/** An endpoint with its key, as returned once by enrolment and key rotation. */
export interface EndpointWithKey {
  id: string;
  name: string;
  key: string;
  config: string;
}

@Injectable()
export class EndpointsService {
  constructor(
    private readonly endpoints: EndpointsRepository,
    private readonly audit: AuditService,
    private readonly config: ApiConfig,
    private readonly baselines: BaselinesService,
  ) {}

  private withKey(e: Pick<EndpointEntity, 'id' | 'name'>, key: string): EndpointWithKey {
    const config = renderAgentConfig({ gatewayUrl: this.config.gatewayUrl, id: e.id, name: e.name, key, batchSize: this.config.agentBatchSize, spoolDir: this.config.agentSpoolDir, spoolMaxBytes: this.config.agentSpoolMax, generatedAt: new Date() });
    return { id: e.id, name: e.name, key, config };
  }

  async enrol(name: string, actor: Actor): Promise<EndpointWithKey> {
    const key = generateEndpointKey();
    const endpoint = await this.endpoints.insert(name, hashEndpointKey(key));
    await this.audit.record(actor, enrolmentAuditEntry(endpoint));
    return this.withKey(endpoint, key);
  }

  /** Endpoints with their learning period (null before their first batch). */
  async list(includeRevoked: boolean): Promise<{ endpoint: EndpointEntity; learning: EndpointLearning | null }[]> {
    const endpoints = await this.endpoints.list(includeRevoked);
    const learning = await this.endpoints.learning(endpoints.map((e) => e.id));
    return endpoints.map((endpoint) => ({ endpoint, learning: learning.get(endpoint.id) ?? null }));
  }

  /** One endpoint (revoked ones too), NOT_FOUND when unknown. */
  async get(id: string): Promise<EndpointEntity> {
    const endpoint = await this.endpoints.findById(id);
    if (!endpoint) throw new ApiError(ApiErrorCode.NotFound, `no endpoint ${id}`);
    return endpoint;
  }

  /** The endpoint with the programs it has baselines for. */
  async detail(id: string): Promise<{ endpoint: EndpointEntity; learning: EndpointLearning | null; programs: BaselineEntity[] }> {
    const endpoint = await this.get(id);
    const learning = (await this.endpoints.learning([id])).get(id) ?? null;
    return { endpoint, learning, programs: await this.baselines.list({ endpointId: id, limit: MAX_PROGRAMS }) };
  }

  /** Live endpoints: how many, how many reported within {@link ONLINE_WINDOW_MS}; summed drops. */
  counts(): Promise<EndpointCounts> {
    return this.endpoints.counts(ONLINE_WINDOW_MS);
  }

  /** A new key for a live endpoint; the old key stops working at once. */
  async rotateKey(id: string, actor: Actor): Promise<EndpointWithKey> {
    const endpoint = await this.endpoints.findById(id);
    if (!endpoint || endpoint.revokedAt) throw new ApiError(ApiErrorCode.NotFound, `no live endpoint ${id}`);
    const key = generateEndpointKey();
    if (!(await this.endpoints.replaceKeyHash(id, hashEndpointKey(key)))) throw new ApiError(ApiErrorCode.NotFound, `no live endpoint ${id}`);
    await this.audit.record(actor, { action: 'endpoint.rotate_key', target: id, details: { name: endpoint.name } });
    return this.withKey(endpoint, key);
  }

  async revoke(id: string, actor: Actor): Promise<void> {
    if (!(await this.endpoints.revoke(id))) throw new ApiError(ApiErrorCode.NotFound, `no live endpoint ${id}`);
    await this.audit.record(actor, { action: 'endpoint.revoke', target: id });
  }
}
