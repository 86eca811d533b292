import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

import type { AlertStatus, Severity } from '@vigil/common';

export { ALERT_STATUSES, SEVERITIES, type AlertStatus, type Severity } from '@vigil/common';

/**
 * An alert as the stream analyzer writes it (libs/db migration 20261201190000_telemetry_storage.sql; the
 * API triages it). The primary key is (id, time) because the table is partitioned by time; ids are
 * unique by construction (derived from batch, detector and group key).
 */
@Entity({ name: 'alerts' })
export class AlertEntity {
  @PrimaryColumn({ type: 'text' }) id!: string;
  @Column({ name: 'endpoint_id', type: 'uuid' }) endpointId!: string;
  @PrimaryColumn({ type: 'timestamptz' }) time!: Date;
  @Column({ type: 'text' }) program!: string;
  @Column({ name: 'program_key', type: 'text' }) programKey!: string;
  @Column({ name: 'exe_hash', type: 'text', nullable: true }) exeHash!: string | null;
  @Column({ type: 'int' }) pid!: number;
  @Column({ type: 'int', nullable: true }) ppid!: number | null;
  @Column({ type: 'int', nullable: true }) uid!: number | null;
  @Column({ type: 'text', nullable: true }) comm!: string | null;
  @Column({ type: 'text', array: true }) ancestry!: string[];
  @Column({ type: 'text' }) kind!: string;
  @Column({ type: 'text' }) detector!: string;
  @Column({ name: 'group_key', type: 'text' }) groupKey!: string;
  @Column({ type: 'text' }) severity!: Severity;
  @Column({ type: 'double precision' }) score!: number;
  @Column({ type: 'text' }) title!: string;
  @Column({ type: 'text', nullable: true }) mitre!: string | null;
  @Column({ type: 'text' }) evidence!: string;
  @Column({ name: 'evidence_data', type: 'jsonb', nullable: true }) evidenceData!: unknown;
  @Column({ name: 'batch_id', type: 'text' }) batchId!: string;
  @Column({ type: 'jsonb', nullable: true }) acceptance!: unknown;
  @Column({ type: 'int' }) count!: number;
  @Column({ name: 'last_seen', type: 'timestamptz', nullable: true }) lastSeen!: Date | null;
  @Column({ type: 'text' }) status!: AlertStatus;
  @Column({ type: 'text', nullable: true }) assignee!: string | null;
  /** The incident (alerts of one process tree within minutes) it belongs to (migration 20261206050000). */
  @Column({ name: 'incident_id', type: 'text', nullable: true }) incidentId!: string | null;
}

/** A triage note on an alert (API-owned). */
@Entity({ name: 'alert_notes' })
export class AlertNoteEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'alert_id', type: 'text' }) alertId!: string;
  @Column({ type: 'timestamptz', default: () => 'now()' }) time!: Date;
  @Column({ name: 'author_id', type: 'uuid', nullable: true }) authorId!: string | null;
  @Column({ type: 'text' }) author!: string;
  @Column({ type: 'text' }) text!: string;
}

/** One batch that contributed to an alert (`alert_occurrences`, written by the analyzer). */
export interface AlertOccurrence {
  time: Date;
  batchId: string;
  count: number;
  pids: number[];
}

/** Alerts per bucket and severity (overview). */
export interface SeverityBucket {
  bucket: Date;
  info: number;
  low: number;
  medium: number;
  high: number;
  critical: number;
}
