import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ApiConfig } from '../../config/api.config';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import { AuditService } from '../audit/audit.service';
import { SettingsService } from '../settings/settings.service';
import { PasswordHasher } from '../users/password-hasher';
import { passwordProblem } from '../users/password-policy';
import type { Role, UserEntity } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { loginDelayMs } from './login-delay';
import { LoginThrottleRepository } from './login-throttle.repository';
import { actorOf } from './session-actor';
import { type SessionSummary, SessionsRepository } from './sessions.repository';
import { csrfTokenFor, newSecretToken, sha256Hex } from './tokens';
import { looksLikeRecoveryCode, newRecoveryCodes, newTotpSecret, recoveryCodeHash, totpStep, totpUri } from './totp';
import { TotpSecretBox } from './totp-secret-box';

/** What a session must do before anything else: change its password, or (admins, when required) enrol TOTP. */
export type PendingStep = 'password_change' | 'totp_enrolment';

/** The authenticated caller of a request. */
export interface SessionContext {
  sessionId: string;
  userId: string;
  username: string;
  role: Role;
  csrfToken: string;
  sourceAddress: string | null;
  /** When the password was last entered in this session (login or re-authentication). */
  authenticatedAt: Date;
  totpEnabled: boolean;
  pending: PendingStep | null;
}

/** Where a login attempt comes from. */
export interface ClientInfo {
  sourceAddress: string | null;
  userAgent: string | null;
}

/** Only refresh last_seen_at this often: one write per minute per session, not per request. */
const TOUCH_INTERVAL_MS = 60_000;


@Injectable()
export class AuthService implements OnModuleInit {
  private readonly logger = new Logger('AuthService');
  /** TOTP secrets at rest: sealed with the operator's key (docs/security.md). */
  private readonly totpBox: TotpSecretBox;

  constructor(
    private readonly config: ApiConfig,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsRepository,
    private readonly throttle: LoginThrottleRepository,
    private readonly audit: AuditService,
    private readonly settings: SettingsService,
  ) {
    this.totpBox = new TotpSecretBox(config.totpKey);
  }

  /**
   * Seal the TOTP secrets an older version stored in clear (a one-time migration, repeated harmlessly
   * at every start); without a key, say that they stay readable in the database.
   */
  async onModuleInit(): Promise<void> {
    if (this.totpBox.hasKey) {
      const sealed = await this.users.sealClearTotpSecrets((id, secret) => this.totpBox.seal(id, secret));
      if (sealed > 0) this.logger.log(`sealed ${sealed} TOTP secret(s) stored in clear by an older version (AES-256-GCM)`);
    } else if ((await this.users.countClearTotpSecrets()) > 0) {
      this.logger.warn('TOTP secrets are stored in clear and no key is configured: set VIGIL_TOTP_KEY_FILE (./vigil up does) to encrypt them');
    }
  }

  /** The secret of a user's stored TOTP value; an unreadable one (another key) is an internal error with its reason. */
  private totpSecretOf(user: UserEntity): string {
    try {
      return this.totpBox.open(user.id, user.totpSecret!);
    } catch (err) {
      throw new ApiError(ApiErrorCode.Internal, 'the second factor cannot be checked: the server cannot read its TOTP secret (key changed?)', { cause: err });
    }
  }

  private throttleKeys(username: string, sourceAddress: string | null): { pair: string; address: string } {
    const address = sourceAddress ?? 'unknown';
    return { pair: `pair:${username.toLowerCase()}|${address}`, address: `address:${address}` };
  }

  /**
   * Refuse while this (account, address) pair or this address must wait (429 with Retry-After). Other
   * addresses are never refused: no failure elsewhere can keep the right password out.
   */
  private async refuseWhileThrottled(username: string, client: ClientInfo, route: string): Promise<void> {
    const keys = this.throttleKeys(username, client.sourceAddress);
    const until = await this.throttle.waitUntil([keys.pair, keys.address]);
    if (!until) return;
    const retryAfterS = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
    await this.audit.recordDenial({ action: 'auth.login_failed', actor: username, sourceAddress: client.sourceAddress, details: { reason: 'throttled', route, retryAfterS } });
    throw new ApiError(ApiErrorCode.Throttled, `too many failed attempts from this address: try again in ${retryAfterS} s`, { retriable: true, retryAfterS });
  }

  /** Count a failure for the pair and the address; each then waits the progressive delay. */
  private async countFailure(username: string, client: ClientInfo, reason: string, route: string): Promise<void> {
    const keys = this.throttleKeys(username, client.sourceAddress);
    const { loginFailureWindowMs: windowMs, loginDelayBaseMs: baseMs, loginDelayMaxMs: maxMs } = this.config;
    const pair = await this.throttle.recordFailure(keys.pair, windowMs, (f) => loginDelayMs(f, { free: this.config.loginFreeFailuresPerAccountAddress, baseMs, maxMs }));
    const address = await this.throttle.recordFailure(keys.address, windowMs, (f) => loginDelayMs(f, { free: this.config.loginFreeFailuresPerAddress, baseMs, maxMs }));
    await this.audit.recordDenial({
      action: route === 'login' ? 'auth.login_failed' : 'auth.reauth_failed',
      actor: username,
      sourceAddress: client.sourceAddress,
      details: { reason, route, pairFailures: pair.failures, addressFailures: address.failures, nextAttemptAt: (pair.nextAttemptAt ?? address.nextAttemptAt)?.toISOString() ?? null },
    });
  }

  /** Check the second factor: a TOTP code (each time step once) or an unused recovery code (consumed). */
  private async secondFactorOk(user: UserEntity, code: string, client: ClientInfo): Promise<boolean> {
    if (looksLikeRecoveryCode(code)) {
      const used = await this.users.consumeRecoveryCode(user.id, recoveryCodeHash(user.id, code));
      if (used) await this.audit.record({ id: user.id, username: user.username, sourceAddress: client.sourceAddress }, { action: 'auth.recovery_code_used', target: user.username });
      return used;
    }
    const last = user.totpLastStep === null ? undefined : Number(user.totpLastStep);
    const step = await totpStep(this.totpSecretOf(user), code.trim(), last);
    return step !== undefined && (await this.users.consumeTotpStep(user.id, step));
  }

  /**
   * Check the password (and the second factor when the user has one) and open a new session (a fresh
   * token every login: rotation). The previous session of this client, if any, is revoked.
   */
  async login(
    input: { username: string; password: string; totp?: string },
    client: ClientInfo,
    previousToken?: string,
  ): Promise<{ token: string; expiresAt: Date; session: SessionContext }> {
    const { username, password } = input;
    await this.refuseWhileThrottled(username, client, 'login');
    const user = await this.users.findByUsername(username);
    const ok = user && !user.disabledAt ? await this.hasher.verify(user.passwordHash, password) : await this.hasher.verifyAgainstDummy(password);
    if (!user || !ok) {
      await this.countFailure(username, client, user?.disabledAt ? 'disabled' : 'bad_credentials', 'login');
      throw new ApiError(ApiErrorCode.InvalidCredentials, 'wrong username or password');
    }
    if (user.totpEnabledAt) {
      if (!input.totp) throw new ApiError(ApiErrorCode.TotpRequired, 'enter the code from your authenticator app (or a recovery code)');
      if (!(await this.secondFactorOk(user, input.totp, client))) {
        await this.countFailure(username, client, 'bad_second_factor', 'login');
        throw new ApiError(ApiErrorCode.InvalidCredentials, 'wrong or already used code');
      }
    }

    await this.throttle.clear(this.throttleKeys(username, client.sourceAddress).pair);
    if (previousToken) await this.sessions.revokeByTokenHash(sha256Hex(previousToken));
    const token = newSecretToken();
    const expiresAt = new Date(Date.now() + this.config.sessionMaxAgeMs);
    const sessionId = await this.sessions.insert({ tokenHash: sha256Hex(token), userId: user.id, expiresAt, sourceAddress: client.sourceAddress, userAgent: client.userAgent?.slice(0, 512) ?? null });
    const session = await this.contextOf({
      sessionId,
      userId: user.id,
      username: user.username,
      role: user.role,
      token,
      sourceAddress: client.sourceAddress,
      authenticatedAt: new Date(),
      mustChangePassword: user.mustChangePassword,
      totpEnabled: user.totpEnabledAt !== null,
    });
    await this.audit.record(actorOf(session), { action: 'auth.login', details: { sessionId, secondFactor: user.totpEnabledAt !== null, pending: session.pending } });
    return { token, expiresAt, session };
  }

  private async contextOf(s: {
    sessionId: string;
    userId: string;
    username: string;
    role: Role;
    token: string;
    sourceAddress: string | null;
    authenticatedAt: Date;
    mustChangePassword: boolean;
    totpEnabled: boolean;
  }): Promise<SessionContext> {
    let pending: PendingStep | null = null;
    if (s.mustChangePassword) pending = 'password_change';
    else if (s.role === 'admin' && !s.totpEnabled && (await this.settings.get()).requireTotpForAdmins) pending = 'totp_enrolment';
    return {
      sessionId: s.sessionId,
      userId: s.userId,
      username: s.username,
      role: s.role,
      csrfToken: csrfTokenFor(s.token),
      sourceAddress: s.sourceAddress,
      authenticatedAt: s.authenticatedAt,
      totpEnabled: s.totpEnabled,
      pending,
    };
  }

  /** The session a token belongs to, if it is live (not revoked, not idle, not expired, user not disabled). */
  async authenticate(token: string, sourceAddress: string | null): Promise<SessionContext | undefined> {
    const live = await this.sessions.findLive(sha256Hex(token), this.config.sessionIdleMs);
    if (!live) return undefined;
    if (Date.now() - live.lastSeenAt.getTime() > Math.min(TOUCH_INTERVAL_MS, this.config.sessionIdleMs / 10)) await this.sessions.touch(live.sessionId);
    return this.contextOf({ ...live, token, sourceAddress });
  }

  /** Whether the session of this token is still live, without counting as activity (long-lived streams re-check with it). */
  async isLive(token: string): Promise<boolean> {
    return (await this.sessions.findLive(sha256Hex(token), this.config.sessionIdleMs)) !== undefined;
  }

  /** Revoke the session of this token: the cookie is worthless afterwards. */
  async logout(token: string, session: SessionContext): Promise<void> {
    await this.sessions.revokeByTokenHash(sha256Hex(token));
    await this.audit.record(actorOf(session), { action: 'auth.logout', details: { sessionId: session.sessionId } });
  }

  /** The session's user, with the password (and second factor, when enrolled) checked under the login throttle. */
  private async verifyAgain(session: SessionContext, password: string, totp: string | undefined, route: string): Promise<UserEntity> {
    const client = { sourceAddress: session.sourceAddress, userAgent: null };
    await this.refuseWhileThrottled(session.username, client, route);
    const user = await this.users.findById(session.userId);
    if (!user || user.disabledAt) throw new ApiError(ApiErrorCode.Unauthenticated, 'log in first (no valid session)');
    if (!(await this.hasher.verify(user.passwordHash, password))) {
      await this.countFailure(session.username, client, 'bad_password', route);
      throw new ApiError(ApiErrorCode.InvalidCredentials, 'wrong password');
    }
    if (user.totpEnabledAt && route === 'reauth') {
      if (!totp) throw new ApiError(ApiErrorCode.TotpRequired, 'enter the code from your authenticator app (or a recovery code)');
      if (!(await this.secondFactorOk(user, totp, client))) {
        await this.countFailure(session.username, client, 'bad_second_factor', route);
        throw new ApiError(ApiErrorCode.InvalidCredentials, 'wrong or already used code');
      }
    }
    return user;
  }

  /** Enter the password (and code) again: admin actions are allowed for the re-auth window from now. */
  async reauthenticate(session: SessionContext, password: string, totp: string | undefined): Promise<Date> {
    await this.verifyAgain(session, password, totp, 'reauth');
    await this.sessions.markAuthenticated(session.sessionId);
    await this.audit.record(actorOf(session), { action: 'auth.reauth', details: { sessionId: session.sessionId } });
    return new Date(Date.now() + this.config.reauthWindowMs);
  }

  /** Change one's own password: the policy applies; every other session of the user ends. */
  async changePassword(session: SessionContext, currentPassword: string, newPassword: string): Promise<{ otherSessionsEnded: number }> {
    const user = await this.verifyAgain(session, currentPassword, undefined, 'password');
    const problem = passwordProblem(newPassword, user.username);
    if (problem) throw new ApiError(ApiErrorCode.WeakPassword, `weak password: ${problem}`);
    if (await this.hasher.verify(user.passwordHash, newPassword)) throw new ApiError(ApiErrorCode.WeakPassword, 'weak password: the new password must differ from the current one');
    await this.users.setPassword(user.id, await this.hasher.hash(newPassword), false);
    const ended = await this.sessions.revokeAllOf(user.id, session.sessionId);
    await this.sessions.markAuthenticated(session.sessionId);
    await this.audit.record(actorOf(session), { action: 'user.password_change', target: user.username, details: { userId: user.id, otherSessionsEnded: ended, wasRequired: user.mustChangePassword } });
    return { otherSessionsEnded: ended };
  }

  /** Start TOTP enrolment: a new secret (pending until confirmed by a code). Refused while one is enabled. */
  async totpSetup(session: SessionContext): Promise<{ secret: string; uri: string }> {
    const user = await this.users.findById(session.userId);
    if (!user) throw new ApiError(ApiErrorCode.Unauthenticated, 'log in first (no valid session)');
    if (user.totpEnabledAt) throw new ApiError(ApiErrorCode.Conflict, 'a second factor is already enabled: disable it first');
    if (!this.totpBox.hasKey) throw new ApiError(ApiErrorCode.Unavailable, 'second factors cannot be enrolled: the server has no key to store them encrypted (VIGIL_TOTP_KEY_FILE)');
    const secret = newTotpSecret();
    await this.users.setPendingTotp(user.id, this.totpBox.seal(user.id, secret));
    return { secret, uri: totpUri(this.config.totpIssuer, user.username, secret) };
  }

  /** Confirm enrolment with a first code; returns the recovery codes (shown once, stored hashed). */
  async totpEnable(session: SessionContext, code: string): Promise<{ recoveryCodes: string[] }> {
    const user = await this.users.findById(session.userId);
    if (!user?.totpSecret) throw new ApiError(ApiErrorCode.Conflict, 'start with POST /api/auth/totp/setup');
    if (user.totpEnabledAt) throw new ApiError(ApiErrorCode.Conflict, 'a second factor is already enabled');
    const step = await totpStep(this.totpSecretOf(user), code.trim());
    if (step === undefined) throw new ApiError(ApiErrorCode.ValidationFailed, 'code: not the current code of this secret (check the device clock)');
    const codes = newRecoveryCodes();
    await this.users.enableTotp(user.id, step, codes.map((c) => recoveryCodeHash(user.id, c)));
    await this.sessions.markAuthenticated(session.sessionId);
    await this.audit.record(actorOf(session), { action: 'auth.totp_enabled', target: user.username, details: { userId: user.id } });
    return { recoveryCodes: codes };
  }

  /** Turn one's own second factor off (password and a current code needed). */
  async totpDisable(session: SessionContext, password: string, code: string): Promise<void> {
    await this.verifyAgain(session, password, code, 'reauth');
    await this.users.disableTotp(session.userId);
    await this.audit.record(actorOf(session), { action: 'auth.totp_disabled', target: session.username, details: { userId: session.userId } });
  }

  /** The caller's own live sessions (ASVS 3.3.4). */
  ownSessions(session: SessionContext): Promise<SessionSummary[]> {
    return this.sessions.liveOf(session.userId, this.config.sessionIdleMs);
  }

  /** End every session of the caller but this one. */
  async endOtherSessions(session: SessionContext): Promise<number> {
    const ended = await this.sessions.revokeAllOf(session.userId, session.sessionId);
    await this.audit.record(actorOf(session), { action: 'user.sessions_revoked', target: session.username, details: { userId: session.userId, sessionsEnded: ended, own: true } });
    return ended;
  }
}
