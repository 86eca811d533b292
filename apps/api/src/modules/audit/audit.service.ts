import { Injectable } from '@nestjs/common';
import type { AuditAction, AuditEntryEntity } from './audit-entry.entity';
import { AuditRepository, type NewAuditEntry } from './audit.repository';

/** Who did something, as services see it (from the session, or the command line). */
export interface Actor {
  id: string | null;
  username: string;
  sourceAddress?: string | null;
}

@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  record(actor: Actor | null, entry: Omit<NewAuditEntry, 'actorId' | 'actor' | 'sourceAddress'> & { actor?: string; sourceAddress?: string | null }): Promise<void> {
    return this.audit.insert({
      ...entry,
      actorId: actor?.id ?? null,
      actor: entry.actor ?? actor?.username ?? null,
      sourceAddress: entry.sourceAddress ?? actor?.sourceAddress ?? null,
    });
  }

  /** What happened to `target` (e.g. an alert's triage), oldest first. */
  about(target: string, actions: AuditAction[], limit: number): Promise<AuditEntryEntity[]> {
    return this.audit.byTarget(target, actions, limit);
  }

  list(filter: { limit: number; beforeId?: string; action?: string }): Promise<AuditEntryEntity[]> {
    return this.audit.page(filter);
  }
}
