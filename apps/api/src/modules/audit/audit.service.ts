import { Injectable } from '@nestjs/common';
import type { AuditAction, AuditEntryEntity } from './audit-entry.entity';
import { AuditRepository, type NewAuditEntry } from './audit.repository';
import { DenialLimiter } from './denial-limiter';
import type { UserRole } from '@vigil/common';

/** A refusal to audit: who (if known), from where, what was refused and why. */
export interface Denial {
  action: 'auth.denied' | 'auth.login_failed' | 'auth.reauth_failed';
  actor?: string | null;
  actorId?: string | null;
  sourceAddress: string | null;
  target?: string;
  details: Record<string, unknown>;
}

/** Who did something, as services see it (from the session, or the command line). */
export interface Actor {
  id: string | null;
  username: string;
  sourceAddress?: string | null;
  /** The actor's role, when it is a user (four-eyes decisions depend on it). */
  role?: UserRole;
}

@Injectable()
export class AuditService {
  /** 30 denial rows a minute per source address, 600 in all: a flood of refusals cannot flood the table. */
  private readonly denials = new DenialLimiter({ perSource: 30, global: 600, windowMs: 60_000 });

  constructor(private readonly audit: AuditRepository) {}

  /**
   * Record a refusal (401, 403, CSRF failure, throttled or failed login), rate-limited per source
   * address; resolves whether a row was written.
   */
  async recordDenial(d: Denial): Promise<boolean> {
    const { write, suppressedBefore } = this.denials.admit(d.sourceAddress ?? 'unknown');
    if (!write) return false;
    await this.audit.insert({
      action: d.action,
      actorId: d.actorId ?? null,
      actor: d.actor ?? null,
      target: d.target ?? null,
      sourceAddress: d.sourceAddress,
      details: suppressedBefore > 0 ? { ...d.details, suppressedBefore } : d.details,
    });
    return true;
  }

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
