import type { CamelCased, IncidentRow } from '@vigil/db';
import type { AlertStatus, Severity } from '../alerts/alert.entity';

/** Alerts of one process tree within minutes: a row of the analyzer's `incidents` (derived from its alerts), camelCased. */
export type IncidentEntity = CamelCased<Omit<IncidentRow, 'updated_at'>> & {
  /**
   * Severity × rarity, 0..100: severity rank (low 1 … critical 4) × 25 × the rarity of its rarest
   * alert, where rarity is the share of the fleet's endpoints that did NOT raise the same kind for
   * the same program in the last 30 days (an endpoint alone: 1).
   */
  rank: number;
};

/** One alert of an incident, for its timeline. */
export interface IncidentAlertEntity {
  id: string;
  time: Date;
  lastSeen: Date | null;
  program: string;
  pid: number;
  ppid: number | null;
  kind: string;
  severity: Severity;
  title: string;
  mitre: string | null;
  count: number;
  status: AlertStatus;
  /** Endpoints of the fleet that raised the same kind for the same program in the last 30 days. */
  endpointsWithSame: number;
}

/** A process of the incident's tree. */
export interface IncidentProcessEntity {
  pid: number;
  ppid: number;
  exe: string;
  argv: string[] | null;
  firstSeen: Date;
  exitedAt: Date | null;
}
