import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ApiError, ApiErrorCode } from '../../errors/api-error';
import type { Actor } from '../audit/audit.service';
import { AuditService } from '../audit/audit.service';
import { PasswordHasher } from './password-hasher';
import { passwordProblem } from './password-policy';
import { ROLES, type Role, type UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

/** Letters, digits and . _ @ - only: no control character can reach a log line or a config file. */
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** A user as the rest of the API sees it (never with the hash). */
export interface UserView {
  id: string;
  username: string;
  role: Role;
  createdAt: Date;
  disabledAt: Date | null;
  mustChangePassword: boolean;
  totpEnabledAt: Date | null;
}

const view = (u: UserEntity): UserView => ({
  id: u.id,
  username: u.username,
  role: u.role,
  createdAt: u.createdAt,
  disabledAt: u.disabledAt,
  mustChangePassword: u.mustChangePassword,
  totpEnabledAt: u.totpEnabledAt,
});

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
  ) {}

  /**
   * Create a user after checking the username, the role and the password policy. `mustChangePassword`:
   * the user must choose a new password at first login (set when someone else chose this one).
   */
  async create(input: { username: string; role: string; password: string; mustChangePassword?: boolean }, actor: Actor): Promise<UserView> {
    const { username, role, password } = input;
    if (!USERNAME.test(username)) {
      throw new ApiError(ApiErrorCode.ValidationFailed, 'username: 1-64 characters from letters, digits and . _ @ -, starting with a letter or digit');
    }
    if (!ROLES.includes(role as Role)) throw new ApiError(ApiErrorCode.ValidationFailed, `role must be one of ${ROLES.join(', ')}`);
    const problem = passwordProblem(password, username);
    if (problem) throw new ApiError(ApiErrorCode.WeakPassword, `weak password: ${problem}`);
    const user = await this.users.insert(username, role as Role, await this.hasher.hash(password), input.mustChangePassword ?? false);
    if (!user) throw new ApiError(ApiErrorCode.Conflict, `a user named "${username}" already exists`);
    await this.audit.record(actor, { action: 'user.create', target: user.username, details: { role: user.role, userId: user.id, mustChangePassword: user.mustChangePassword } });
    return view(user);
  }

  async list(): Promise<UserView[]> {
    return (await this.users.all()).map(view);
  }

  /**
   * First start: when no user exists, create `admin` with a random password (returned once, never
   * stored in clear) that must be changed at first login. Resolves `undefined` when users already exist.
   */
  async ensureFirstAdmin(actor: Actor): Promise<{ user: UserView; password: string } | undefined> {
    const password = randomBytes(18).toString('base64url');
    const user = await this.users.insertIfNoUsers('admin', 'admin', await this.hasher.hash(password));
    if (!user) return undefined;
    await this.audit.record(actor, { action: 'user.create', target: user.username, details: { role: user.role, userId: user.id, firstAdmin: true } });
    return { user: view(user), password };
  }
}
