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
  async insert(username: string, role: Role, passwordHash: string): Promise<UserEntity | undefined> {
    const rows = (await this.repo.query(
      `insert into users (username, role, password_hash) values ($1, $2, $3)
       on conflict ((lower(username))) do nothing
       returning id, username, role, created_at`,
      [username, role, passwordHash],
    )) as { id: string; username: string; role: Role; created_at: Date }[];
    const row = rows[0];
    if (!row) return undefined;
    return Object.assign(new UserEntity(), { id: row.id, username: row.username, role: row.role, createdAt: row.created_at, passwordHash, disabledAt: null });
  }

  /**
   * Insert the user only when no user exists at all, atomically (an advisory lock serialises
   * concurrent `./vigil up` runs). Resolves `undefined` when users already existed.
   */
  async insertIfNoUsers(username: string, role: Role, passwordHash: string): Promise<UserEntity | undefined> {
    return this.repo.manager.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(hashtext('vigil.users.first-admin'))`);
      const [{ n }] = (await tx.query(`select count(*)::int as n from users`)) as [{ n: number }];
      if (n > 0) return undefined;
      const rows = (await tx.query(
        `insert into users (username, role, password_hash) values ($1, $2, $3) returning id, created_at`,
        [username, role, passwordHash],
      )) as { id: string; created_at: Date }[];
      return Object.assign(new UserEntity(), { id: rows[0]!.id, username, role, passwordHash, createdAt: rows[0]!.created_at, disabledAt: null });
    });
  }
}
