import { Injectable } from '@nestjs/common';
import { ApiConfig } from '../../config/api.config';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import type { Actor } from '../audit/audit.service';
import { AuditService } from '../audit/audit.service';
import { newEndpointKey, sha256Bytes } from '../auth/tokens';
import { renderAgentConfig } from './agent-config';
import type { EndpointEntity } from './endpoint.entity';
import { EndpointsRepository } from './endpoints.repository';

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
  ) {}

  private withKey(e: Pick<EndpointEntity, 'id' | 'name'>, key: string): EndpointWithKey {
    const config = renderAgentConfig({ gatewayUrl: this.config.gatewayUrl, id: e.id, name: e.name, key, batchSize: this.config.agentBatchSize, spoolDir: this.config.agentSpoolDir, spoolMaxBytes: this.config.agentSpoolMax, generatedAt: new Date() });
    return { id: e.id, name: e.name, key, config };
  }

  async enrol(name: string, actor: Actor): Promise<EndpointWithKey> {
    const key = newEndpointKey();
    const endpoint = await this.endpoints.insert(name, sha256Bytes(key));
    await this.audit.record(actor, { action: 'endpoint.enrol', target: endpoint.id, details: { name } });
    return this.withKey(endpoint, key);
  }

  list(includeRevoked: boolean): Promise<EndpointEntity[]> {
    return this.endpoints.list(includeRevoked);
  }

  /** A new key for a live endpoint; the old key stops working at once. */
  async rotateKey(id: string, actor: Actor): Promise<EndpointWithKey> {
    const endpoint = await this.endpoints.findById(id);
    if (!endpoint || endpoint.revokedAt) throw new ApiError(ApiErrorCode.NotFound, `no live endpoint ${id}`);
    const key = newEndpointKey();
    if (!(await this.endpoints.replaceKeyHash(id, sha256Bytes(key)))) throw new ApiError(ApiErrorCode.NotFound, `no live endpoint ${id}`);
    await this.audit.record(actor, { action: 'endpoint.rotate_key', target: id, details: { name: endpoint.name } });
    return this.withKey(endpoint, key);
  }

  async revoke(id: string, actor: Actor): Promise<void> {
    if (!(await this.endpoints.revoke(id))) throw new ApiError(ApiErrorCode.NotFound, `no live endpoint ${id}`);
    await this.audit.record(actor, { action: 'endpoint.revoke', target: id });
  }
}
