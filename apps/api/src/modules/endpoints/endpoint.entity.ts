import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An enrolled endpoint (table shared with the ingest gateway, which authenticates agents by `key_hash`). */
@Entity({ name: 'endpoints' })
export class EndpointEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** sha256 of the key (32 bytes); the key itself is shown once and never stored. */
  @Column({ name: 'key_hash', type: 'bytea' })
  keyHash!: Buffer;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt!: Date | null;

  @Column({ name: 'agent_version', type: 'text', nullable: true })
  agentVersion!: string | null;

  @Column({ name: 'events_per_s', type: 'double precision', nullable: true })
  eventsPerS!: number | null;

  /** Events lost in the endpoint's latest window (ring buffer or maps full, skipped programs, evicted batches). */
  @Column({ type: 'bigint', nullable: true })
  drops!: string | null;

  /** Records of the latest window delivered with a truncated string or an unreadable argument (not lost). */
  @Column({ type: 'bigint', nullable: true })
  degraded!: string | null;
}

/** The endpoint's learning period as the analyzer keeps it (`endpoint_learning`), null before its first batch. */
export interface EndpointLearning {
  from: Date;
  until: Date;
  lastBatch: Date;
}
