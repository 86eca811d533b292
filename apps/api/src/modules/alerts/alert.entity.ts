import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved', 'false_positive'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** An alert as the stream analyzer writes it (table owned by the analyzer; the API triages it). */
@Entity({ name: 'alerts' })
export class AlertEntity {
  @PrimaryColumn({ type: 'text' }) id!: string;
  @Column({ name: 'endpoint_id', type: 'uuid' }) endpointId!: string;
  @Column({ type: 'timestamptz' }) time!: Date;
  @Column({ type: 'text' }) program!: string;
  @Column({ type: 'int' }) pid!: number;
  @Column({ type: 'text', array: true }) ancestry!: string[];
  @Column({ type: 'text' }) kind!: string;
  @Column({ type: 'text' }) detector!: string;
  @Column({ type: 'text' }) severity!: Severity;
  @Column({ type: 'double precision' }) score!: number;
  @Column({ type: 'text' }) title!: string;
  @Column({ type: 'text', nullable: true }) mitre!: string | null;
  @Column({ type: 'text' }) evidence!: string;
  @Column({ name: 'evidence_data', type: 'jsonb', nullable: true }) evidenceData!: unknown;
  @Column({ name: 'batch_id', type: 'text' }) batchId!: string;
  @Column({ type: 'int' }) count!: number;
  @Column({ type: 'text' }) status!: AlertStatus;
  @Column({ type: 'text', nullable: true }) assignee!: string | null;
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
