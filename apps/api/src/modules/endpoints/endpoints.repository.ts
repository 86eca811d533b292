import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { EndpointEntity, type EndpointLearning } from './endpoint.entity';

/** Fleet counts for the overview. */
export interface EndpointCounts {
  total: number;
  online: number;
  /** Events lost (latest window of each endpoint, summed). */
  drops: number;
  /** Records delivered degraded, not lost (latest window of each endpoint, summed). */
  degraded: number;
}

@Injectable()
export class EndpointsRepository {
  constructor(@InjectRepository(EndpointEntity) private readonly repo: Repository<EndpointEntity>) {}

  async insert(name: string, keyHash: Buffer): Promise<EndpointEntity> {
    const id = randomUUID();
    await this.repo.insert({ id, name, keyHash });
    return this.repo.findOneByOrFail({ id });
  }

  list(includeRevoked: boolean): Promise<EndpointEntity[]> {
    return this.repo.find({ where: includeRevoked ? {} : { revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
  }

  /** Learning periods of these endpoints (endpoints without a batch yet are absent). */
  async learning(ids: string[]): Promise<Map<string, EndpointLearning>> {
    if (ids.length === 0) return new Map();
    const rows = (await this.repo.query(`select endpoint_id, learning_from, learning_until, last_batch from endpoint_learning where endpoint_id = any($1::uuid[])`, [ids])) as {
      endpoint_id: string;
      learning_from: Date;
      learning_until: Date;
      last_batch: Date;
    }[];
    return new Map(rows.map((r) => [r.endpoint_id, { from: r.learning_from, until: r.learning_until, lastBatch: r.last_batch }]));
  }

  findById(id: string): Promise<EndpointEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** Live (not revoked) endpoints, those seen within `onlineWindowMs`, and their summed drop counters. */
  async counts(onlineWindowMs: number): Promise<EndpointCounts> {
    const rows = (await this.repo.query(
      `select count(*)::int total,
              (count(*) filter (where last_seen_at > now() - make_interval(secs => $1::double precision / 1000)))::int online,
              coalesce(sum(drops), 0)::text drops, coalesce(sum(degraded), 0)::text degraded
         from endpoints where revoked_at is null`,
      [onlineWindowMs],
    )) as { total: number; online: number; drops: string; degraded: string }[];
    const r = rows[0]!;
    return { total: r.total, online: r.online, drops: Number(r.drops), degraded: Number(r.degraded) };
  }

  /** Replace the key hash of a live endpoint; resolves false when it is absent or revoked. */
  async replaceKeyHash(id: string, keyHash: Buffer): Promise<boolean> {
    const result = await this.repo.update({ id, revokedAt: IsNull() }, { keyHash });
    return (result.affected ?? 0) > 0;
  }

  /** Revoke a live endpoint (its key stops working at the gateway); resolves false when absent or already revoked. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.repo.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' } as never);
    return (result.affected ?? 0) > 0;
  }
}
