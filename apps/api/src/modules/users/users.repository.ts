import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { type Role, UserEntity } from './user.entity';

/** Users in PostgreSQL; usernames are unique case-insensitively. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly repo: Repository<UserEntity>) {}

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.repo.createQueryBuilder('u').where('lower(u.username) = lower(:username)', { username }).getOne();
  }

  all(): Promise<UserEntity[]> {
    return this.repo.find({ order: { createdAt: 'ASC' } });
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** Insert a user; resolves `undefined` when the username is taken. */
  async insert(username: string, role: Role, passwordHash: string, mustChangePassword: boolean): Promise<UserEntity | undefined> {
    const rows = (await this.repo.query(
      `insert into users (username, role, password_hash, must_change_password) values ($1, $2, $3, $4)
       on conflict ((lower(username))) do nothing
       returning id`,
      [username, role, passwordHash, mustChangePassword],
    )) as { id: string }[];
    return rows[0] ? ((await this.findById(rows[0].id)) ?? undefined) : undefined;
  }

  /**
   * Insert the user only when no user exists at all, atomically (an advisory lock serialises
   * concurrent `./vigil up` runs). Resolves `undefined` when users already existed. The user must
   * choose a new password at first login (the printed one has been on a terminal).
   */
  async insertIfNoUsers(username: string, role: Role, passwordHash: string): Promise<UserEntity | undefined> {
    const id = await this.repo.manager.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(hashtext('vigil.users.first-admin'))`);
      const [{ n }] = (await tx.query(`select count(*)::int as n from users`)) as [{ n: number }];
      if (n > 0) return undefined;
      const rows = (await tx.query(`insert into users (username, role, password_hash, must_change_password) values ($1, $2, $3, true) returning id`, [
        username,
        role,
        passwordHash,
      ])) as { id: string }[];
      return rows[0]!.id;
    });
    return id ? ((await this.findById(id)) ?? undefined) : undefined;
  }

  /** New password hash; `mustChange` true for an admin's reset, false when the user chose it. */
  async setPassword(id: string, passwordHash: string, mustChange: boolean): Promise<void> {
    await this.repo.query(`update users set password_hash = $2, must_change_password = $3, password_changed_at = now() where id = $1`, [id, passwordHash, mustChange]);
  }

  async setRole(id: string, role: Role): Promise<void> {
    await this.repo.update({ id }, { role });
  }

  async setDisabled(id: string, disabled: boolean): Promise<void> {
    await this.repo.query(`update users set disabled_at = case when $2 then coalesce(disabled_at, now()) else null end where id = $1`, [id, disabled]);
  }

  /** Enabled admins other than `exceptId` (an admin must not remove the last one). */
  async countOtherActiveAdmins(exceptId: string): Promise<number> {
    const rows = (await this.repo.query(`select count(*)::int n from users where role = 'admin' and disabled_at is null and id <> $1`, [exceptId])) as { n: number }[];
    return rows[0]!.n;
  }

  /**
   * Seal every TOTP secret stored in clear (rows written before encryption): each row is read and
   * rewritten in one transaction, only if it is still the clear value read. Returns how many.
   */
  async sealClearTotpSecrets(seal: (userId: string, secret: string) => string): Promise<number> {
    return this.repo.manager.transaction(async (tx) => {
      const rows = (await tx.query(`select id, totp_secret from users where totp_secret is not null and totp_secret not like 'v1:%' for update`)) as { id: string; totp_secret: string }[];
      for (const r of rows) await tx.query(`update users set totp_secret = $2 where id = $1 and totp_secret = $3`, [r.id, seal(r.id, r.totp_secret), r.totp_secret]);
      return rows.length;
    });
  }

  /** Rows whose TOTP secret is stored in clear. */
  async countClearTotpSecrets(): Promise<number> {
    const rows = (await this.repo.query(`select count(*)::int n from users where totp_secret is not null and totp_secret not like 'v1:%'`)) as { n: number }[];
    return rows[0]!.n;
  }

  /** Store a pending (not yet confirmed) TOTP secret (sealed by the caller). */
  async setPendingTotp(id: string, secret: string): Promise<void> {
    await this.repo.query(`update users set totp_secret = $2, totp_enabled_at = null, totp_last_step = null, recovery_code_hashes = '{}' where id = $1`, [id, secret]);
  }

  /** Confirm the second factor with its first accepted step and the recovery code hashes. */
  async enableTotp(id: string, step: number, recoveryCodeHashes: string[]): Promise<void> {
    await this.repo.query(`update users set totp_enabled_at = now(), totp_last_step = $2, recovery_code_hashes = $3 where id = $1`, [id, step, recoveryCodeHashes]);
  }

  async disableTotp(id: string): Promise<void> {
    await this.repo.query(`update users set totp_secret = null, totp_enabled_at = null, totp_last_step = null, recovery_code_hashes = '{}' where id = $1`, [id]);
  }

  /** Record `step` as used unless it (or a later one) already was: false means a replayed code. */
  async consumeTotpStep(id: string, step: number): Promise<boolean> {
    const rows = (await this.repo.query(`update users set totp_last_step = $2 where id = $1 and (totp_last_step is null or totp_last_step < $2) returning id`, [id, step])) as [
      unknown[],
      number,
    ];
    return rows[1] > 0;
  }

  /** Remove one recovery code hash; false when it was not there (unknown or already used). */
  async consumeRecoveryCode(id: string, codeHash: string): Promise<boolean> {
    const rows = (await this.repo.query(
      `update users set recovery_code_hashes = array_remove(recovery_code_hashes, $2) where id = $1 and $2 = any(recovery_code_hashes) returning id`,
      [id, codeHash],
    )) as [unknown[], number];
    return rows[1] > 0;
  }
}
