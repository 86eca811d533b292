import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The two roles: `admin` manages users, endpoints and keys; `analyst` reads and triages. */
export type Role = 'admin' | 'analyst';
export const ROLES: readonly Role[] = ['admin', 'analyst'];

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  username!: string;

  /** argon2id PHC string. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ type: 'text' })
  role!: Role;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;
}
