import { Injectable } from '@nestjs/common';
import { ApiConfig } from '../../config/api.config';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import { AuditService } from '../audit/audit.service';
import { PasswordHasher } from '../users/password-hasher';
import type { Role } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { LoginThrottleRepository } from './login-throttle.repository';
import { SessionsRepository } from './sessions.repository';
import { csrfTokenFor, newSecretToken, sha256Hex } from './tokens';

/** The authenticated caller of a request. */
export interface SessionContext {
  sessionId: string;
  userId: string;
  username: string;
  role: Role;
  csrfToken: string;
  sourceAddress: string | null;
}

/** Where a login attempt comes from. */
export interface ClientInfo {
  sourceAddress: string | null;
  userAgent: string | null;
}

/** Only refresh last_seen_at this often: one write per minute per session, not per request. */
const TOUCH_INTERVAL_MS = 60_000;

@Injectable()
export class AuthService {
  constructor(
    private readonly config: ApiConfig,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsRepository,
    private readonly throttle: LoginThrottleRepository,
    private readonly audit: AuditService,
  ) {}

  /**
   * Check the password and open a new session (a fresh token every login: rotation). The previous
   * session of this client, if any, is revoked. Locked accounts and addresses are refused even with
   * the right password.
   */
  async login(
    username: string,
    password: string,
    client: ClientInfo,
    previousToken?: string,
  ): Promise<{ token: string; expiresAt: Date; session: SessionContext }> {
    const accountKey = `account:${username.toLowerCase()}`;
    const addressKey = `address:${client.sourceAddress ?? 'unknown'}`;
    const lockedUntil = await this.throttle.lockedUntil([accountKey, addressKey]);
    if (lockedUntil) {
      await this.audit.record(null, { action: 'auth.login_failed', actor: username, sourceAddress: client.sourceAddress, details: { reason: 'locked' } });
      const retryAfterS = Math.max(1, Math.ceil((lockedUntil.getTime() - Date.now()) / 1000));
      throw new ApiError(ApiErrorCode.LockedOut, 'too many failed logins: try again later', { retriable: true, retryAfterS });
    }

    const user = await this.users.findByUsername(username);
    const ok = user && !user.disabledAt ? await this.hasher.verify(user.passwordHash, password) : await this.hasher.verifyAgainstDummy(password);
    if (!user || !ok) {
      const { windowMs, lockoutMs } = { windowMs: this.config.loginFailureWindowMs, lockoutMs: this.config.loginLockoutMs };
      const account = await this.throttle.recordFailure(accountKey, this.config.loginMaxFailuresPerAccount, windowMs, lockoutMs);
      const address = await this.throttle.recordFailure(addressKey, this.config.loginMaxFailuresPerAddress, windowMs, lockoutMs);
      await this.audit.record(null, {
        action: 'auth.login_failed',
        actor: username,
        sourceAddress: client.sourceAddress,
        details: { reason: 'bad_credentials', accountFailures: account.failures, addressFailures: address.failures, locked: Boolean(account.lockedUntil || address.lockedUntil) },
      });
      throw new ApiError(ApiErrorCode.InvalidCredentials, 'wrong username or password');
    }

    await this.throttle.clear(accountKey);
    if (previousToken) await this.sessions.revokeByTokenHash(sha256Hex(previousToken));
    const token = newSecretToken();
    const expiresAt = new Date(Date.now() + this.config.sessionMaxAgeMs);
    const sessionId = await this.sessions.insert({ tokenHash: sha256Hex(token), userId: user.id, expiresAt, sourceAddress: client.sourceAddress, userAgent: client.userAgent?.slice(0, 512) ?? null });
    const session: SessionContext = { sessionId, userId: user.id, username: user.username, role: user.role, csrfToken: csrfTokenFor(token), sourceAddress: client.sourceAddress };
    await this.audit.record({ id: user.id, username: user.username, sourceAddress: client.sourceAddress }, { action: 'auth.login', details: { sessionId } });
    return { token, expiresAt, session };
  }

  /** The session a token belongs to, if it is live (not revoked, not idle, not expired). */
  async authenticate(token: string, sourceAddress: string | null): Promise<SessionContext | undefined> {
    const live = await this.sessions.findLive(sha256Hex(token), this.config.sessionIdleMs);
    if (!live) return undefined;
    if (Date.now() - live.lastSeenAt.getTime() > Math.min(TOUCH_INTERVAL_MS, this.config.sessionIdleMs / 10)) await this.sessions.touch(live.sessionId);
    return { sessionId: live.sessionId, userId: live.userId, username: live.username, role: live.role, csrfToken: csrfTokenFor(token), sourceAddress };
  }

  /** Whether the session of this token is still live, without counting as activity (long-lived streams re-check with it). */
  async isLive(token: string): Promise<boolean> {
    return (await this.sessions.findLive(sha256Hex(token), this.config.sessionIdleMs)) !== undefined;
  }

  /** Revoke the session of this token: the cookie is worthless afterwards. */
  async logout(token: string, session: SessionContext): Promise<void> {
    await this.sessions.revokeByTokenHash(sha256Hex(token));
    await this.audit.record({ id: session.userId, username: session.username, sourceAddress: session.sourceAddress }, { action: 'auth.logout', details: { sessionId: session.sessionId } });
  }
}
