import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

import type { UserRole as Role } from '@vigil/common';

/** The two roles (defined in @vigil/common): `admin` manages users, endpoints and keys; `analyst` reads and triages. */
export { USER_ROLES as ROLES, type UserRole as Role } from '@vigil/common';

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

  /** Set for the first admin and after an admin's reset: every route but the password change answers 403. */
  @Column({ name: 'must_change_password', type: 'boolean', default: false })
  mustChangePassword!: boolean;

  @Column({ name: 'password_changed_at', type: 'timestamptz', nullable: true })
  passwordChangedAt!: Date | null;

  /** Base32 TOTP secret; pending until `totpEnabledAt` is set by a first valid code. */
  @Column({ name: 'totp_secret', type: 'text', nullable: true })
  totpSecret!: string | null;

  @Column({ name: 'totp_enabled_at', type: 'timestamptz', nullable: true })
  totpEnabledAt!: Date | null;

  /** Last accepted TOTP time step (a code is used once). */
  @Column({ name: 'totp_last_step', type: 'bigint', nullable: true })
  totpLastStep!: string | null;

  /** sha256 (salted with the user id) of each unused recovery code. */
  @Column({ name: 'recovery_code_hashes', type: 'text', array: true, default: () => `'{}'` })
  recoveryCodeHashes!: string[];
}
