import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ApiConfig } from '../../config/api.config';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import { type Actor, AuditService } from '../audit/audit.service';
import { PasswordHasher } from '../users/password-hasher';
import { passwordProblem } from '../users/password-policy';
import type { Role, UserEntity } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { type SessionSummary, SessionsRepository } from './sessions.repository';

/** An admin's changes to another user: role, disabled, password reset, sessions. Each ends that user's sessions and is audited. */
@Injectable()
export class UserLifecycleService {
  constructor(
    private readonly config: ApiConfig,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
  ) {}

  private async target(id: string): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) throw new ApiError(ApiErrorCode.NotFound, `no user ${id}`);
    return user;
  }

  /** Change role and/or disabled. Not on oneself, and never leaving no enabled admin. */
  async update(id: string, change: { role?: Role; disabled?: boolean }, actor: Actor): Promise<UserEntity> {
    const user = await this.target(id);
    if (user.id === actor.id) throw new ApiError(ApiErrorCode.Forbidden, 'you cannot change your own role or disable yourself (ask another admin)');
    const demoted = change.role !== undefined && change.role !== user.role && user.role === 'admin';
    const disabling = change.disabled === true && user.disabledAt === null;
    if ((demoted || disabling) && user.role === 'admin' && (await this.users.countOtherActiveAdmins(user.id)) === 0) {
      throw new ApiError(ApiErrorCode.Conflict, 'this is the last enabled admin');
    }
    let ended = 0;
    if (change.role !== undefined && change.role !== user.role) {
      await this.users.setRole(user.id, change.role);
      ended += await this.sessions.revokeAllOf(user.id);
      await this.audit.record(actor, { action: 'user.role_change', target: user.username, details: { userId: user.id, from: user.role, to: change.role, sessionsEnded: ended } });
    }
    if (change.disabled !== undefined && change.disabled !== (user.disabledAt !== null)) {
      await this.users.setDisabled(user.id, change.disabled);
      const n = await this.sessions.revokeAllOf(user.id);
      ended += n;
      await this.audit.record(actor, { action: change.disabled ? 'user.disable' : 'user.enable', target: user.username, details: { userId: user.id, sessionsEnded: n } });
    }
    return this.target(id);
  }

  /** A random temporary password (returned once); the user must change it at next login; their sessions end. */
  async resetPassword(id: string, actor: Actor): Promise<{ temporaryPassword: string }> {
    const user = await this.target(id);
    if (user.id === actor.id) throw new ApiError(ApiErrorCode.Forbidden, 'change your own password with POST /api/auth/password');
    const temporaryPassword = randomBytes(18).toString('base64url');
    await this.users.setPassword(user.id, await this.hasher.hash(temporaryPassword), true);
    const ended = await this.sessions.revokeAllOf(user.id);
    await this.audit.record(actor, { action: 'user.password_reset', target: user.username, details: { userId: user.id, sessionsEnded: ended } });
    return { temporaryPassword };
  }

  async sessionsOf(id: string): Promise<SessionSummary[]> {
    const user = await this.target(id);
    return this.sessions.liveOf(user.id, this.config.sessionIdleMs);
  }

  /** End every session of a user (the caller's own current one survives when it is theirs). */
  async revokeSessions(id: string, actor: Actor, callerSessionId: string): Promise<number> {
    const user = await this.target(id);
    const ended = await this.sessions.revokeAllOf(user.id, user.id === actor.id ? callerSessionId : undefined);
    await this.audit.record(actor, { action: 'user.sessions_revoked', target: user.username, details: { userId: user.id, sessionsEnded: ended } });
    return ended;
  }

  /** Remove a user's second factor (lost device); their sessions end. */
  async resetTotp(id: string, actor: Actor): Promise<void> {
    const user = await this.target(id);
    if (user.id === actor.id) throw new ApiError(ApiErrorCode.Forbidden, 'turn your own second factor off with DELETE /api/auth/totp');
    await this.users.disableTotp(user.id);
    const ended = await this.sessions.revokeAllOf(user.id);
    await this.audit.record(actor, { action: 'auth.totp_disabled', target: user.username, details: { userId: user.id, byAdmin: true, sessionsEnded: ended } });
  }

  private async byName(username: string): Promise<UserEntity> {
    const user = await this.users.findByUsername(username);
    if (!user) throw new ApiError(ApiErrorCode.NotFound, `no user named "${username}"`);
    return user;
  }

  /**
   * The operator on the host sets a user's password (`./vigil admin reset-password`: recovery when no
   * admin can log in). The policy applies; the user's sessions end; no change is forced (the operator
   * chose it for themselves or hands it over in person).
   */
  async operatorSetPassword(username: string, password: string, actor: Actor): Promise<void> {
    const user = await this.byName(username);
    const problem = passwordProblem(password, user.username);
    if (problem) throw new ApiError(ApiErrorCode.WeakPassword, `weak password: ${problem}`);
    await this.users.setPassword(user.id, await this.hasher.hash(password), false);
    const ended = await this.sessions.revokeAllOf(user.id);
    await this.audit.record(actor, { action: 'user.password_reset', target: user.username, details: { userId: user.id, sessionsEnded: ended, byOperator: true } });
  }

  /** The operator removes a user's second factor (`./vigil admin remove-totp`: a lost device and no other admin). */
  async operatorRemoveTotp(username: string, actor: Actor): Promise<void> {
    const user = await this.byName(username);
    await this.users.disableTotp(user.id);
    const ended = await this.sessions.revokeAllOf(user.id);
    await this.audit.record(actor, { action: 'auth.totp_disabled', target: user.username, details: { userId: user.id, sessionsEnded: ended, byOperator: true } });
  }
}
