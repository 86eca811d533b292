import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { type AuditAction, AuditEntryEntity } from './audit-entry.entity';

export type NewAuditEntry = Pick<AuditEntryEntity, 'action'> & Partial<Pick<AuditEntryEntity, 'actorId' | 'actor' | 'target' | 'sourceAddress' | 'details'>>;

@Injectable()
export class AuditRepository {
  constructor(@InjectRepository(AuditEntryEntity) private readonly repo: Repository<AuditEntryEntity>) {}

  async insert(entry: NewAuditEntry): Promise<void> {
    await this.repo.insert({
      action: entry.action,
      actorId: entry.actorId ?? null,
      actor: entry.actor ?? null,
      target: entry.target ?? null,
      sourceAddress: entry.sourceAddress ?? null,
      details: (entry.details ?? {}) as never,
    });
  }

  /** Entries about `target` with one of `actions`, oldest first (at most `limit`, the newest ones). */
  async byTarget(target: string, actions: AuditAction[], limit: number): Promise<AuditEntryEntity[]> {
    const newest = await this.repo
      .createQueryBuilder('a')
      .where('a.target = :target', { target })
      .andWhere('a.action in (:...actions)', { actions })
      .orderBy('a.id', 'DESC')
      .limit(limit)
      .getMany();
    return newest.reverse();
  }

  /** Newest first; `beforeId` is the cursor (the last id of the previous page). */
  page(filter: { limit: number; beforeId?: string; action?: string }): Promise<AuditEntryEntity[]> {
    const q = this.repo.createQueryBuilder('a').orderBy('a.id', 'DESC').limit(filter.limit);
    if (filter.beforeId) q.andWhere('a.id < :beforeId', { beforeId: filter.beforeId });
    if (filter.action) q.andWhere('a.action = :action', { action: filter.action });
    return q.getMany();
  }
}
