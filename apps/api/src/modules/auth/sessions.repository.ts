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
      `select s.id, s.user_id, u.username, u.role, s.last_seen_at, s.expires_at
         from sessions s join users u on u.id = s.user_id
        where s.token_hash = $1 and s.revoked_at is null and s.expires_at > now()
          and s.last_seen_at > now() - make_interval(secs => $2::double precision / 1000)
          and u.disabled_at is null`,
      [tokenHash, idleMs],
    )) as { id: string; user_id: string; username: string; role: Role; last_seen_at: Date; expires_at: Date }[];
    const r = rows[0];
    return r && { sessionId: r.id, userId: r.user_id, username: r.username, role: r.role, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at };
  }

  async touch(sessionId: string): Promise<void> {
    await this.repo.update({ id: sessionId }, { lastSeenAt: () => 'now()' } as never);
  }

  /** Revoke by token hash; resolves whether a live session was revoked. */
  async revokeByTokenHash(tokenHash: string): Promise<boolean> {
    const result = await this.repo.update({ tokenHash, revokedAt: IsNull() }, { revokedAt: () => 'now()' } as never);
    return (result.affected ?? 0) > 0;
  }
}
