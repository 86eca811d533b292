import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import type { Role } from '../users/user.entity';
import { SessionEntity } from './session.entity';

/** A live session joined with its user. */
export interface LiveSession {
  sessionId: string;
  userId: string;
  username: string;
  role: Role;
  lastSeenAt: Date;
  expiresAt: Date;
  authenticatedAt: Date;
  mustChangePassword: boolean;
  totpEnabled: boolean;
}

/** A session as an admin lists it (never its token hash). */
export interface SessionSummary {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  sourceAddress: string | null;
  userAgent: string | null;
}

@Injectable()
export class SessionsRepository {
  constructor(@InjectRepository(SessionEntity) private readonly repo: Repository<SessionEntity>) {}

  async insert(s: { tokenHash: string; userId: string; expiresAt: Date; sourceAddress: string | null; userAgent: string | null }): Promise<string> {
    const result = await this.repo.insert(s);
    return (result.identifiers[0] as { id: string }).id;
  }

  /**
   * The session with this token hash if it is neither revoked, past its absolute expiry, idle for
   * longer than `idleMs`, nor owned by a disabled user.
   */
  async findLive(tokenHash: string, idleMs: number): Promise<LiveSession | undefined> {
    const rows = (await this.repo.query(
      `select s.id, s.user_id, u.username, u.role, s.last_seen_at, s.expires_at, s.authenticated_at,
              u.must_change_password, u.totp_enabled_at is not null as totp_enabled
         from sessions s join users u on u.id = s.user_id
        where s.token_hash = $1 and s.revoked_at is null and s.expires_at > now()
          and s.last_seen_at > now() - make_interval(secs => $2::double precision / 1000)
          and u.disabled_at is null`,
      [tokenHash, idleMs],
    )) as {
      id: string;
      user_id: string;
      username: string;
      role: Role;
      last_seen_at: Date;
      expires_at: Date;
      authenticated_at: Date;
      must_change_password: boolean;
      totp_enabled: boolean;
    }[];
    const r = rows[0];
    return (
      r && {
        sessionId: r.id,
        userId: r.user_id,
        username: r.username,
        role: r.role,
        lastSeenAt: r.last_seen_at,
        expiresAt: r.expires_at,
        authenticatedAt: r.authenticated_at,
        mustChangePassword: r.must_change_password,
        totpEnabled: r.totp_enabled,
      }
    );
  }

  async touch(sessionId: string): Promise<void> {
    await this.repo.update({ id: sessionId }, { lastSeenAt: () => 'now()' } as never);
  }

  /** The password (and second factor) were just entered again in this session. */
  async markAuthenticated(sessionId: string): Promise<void> {
    await this.repo.query(`update sessions set authenticated_at = now(), last_seen_at = now() where id = $1`, [sessionId]);
  }

  /** Revoke by token hash; resolves whether a live session was revoked. */
  async revokeByTokenHash(tokenHash: string): Promise<boolean> {
    const result = await this.repo.update({ tokenHash, revokedAt: IsNull() }, { revokedAt: () => 'now()' } as never);
    return (result.affected ?? 0) > 0;
  }

  /** Revoke every unrevoked session of a user except `keepSessionId`; resolves how many. */
  async revokeAllOf(userId: string, keepSessionId?: string): Promise<number> {
    const result = (await this.repo.query(`update sessions set revoked_at = now() where user_id = $1 and revoked_at is null and ($2::uuid is null or id <> $2::uuid)`, [
      userId,
      keepSessionId ?? null,
    ])) as [unknown[], number];
    return result[1];
  }

  /** A user's sessions that are neither revoked nor expired, newest first. */
  async liveOf(userId: string, idleMs: number): Promise<SessionSummary[]> {
    const rows = (await this.repo.query(
      `select id, created_at, last_seen_at, expires_at, source_address, user_agent from sessions
        where user_id = $1 and revoked_at is null and expires_at > now()
          and last_seen_at > now() - make_interval(secs => $2::double precision / 1000)
        order by created_at desc`,
      [userId, idleMs],
    )) as { id: string; created_at: Date; last_seen_at: Date; expires_at: Date; source_address: string | null; user_agent: string | null }[];
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at, sourceAddress: r.source_address, userAgent: r.user_agent }));
  }
}
