import type { components } from '@vigil/api-client';

type Schemas = components['schemas'];

/** An alert as listed (newest first). */
export type Alert = Schemas['AlertDto'];
/** An alert with its evidence data, notes, history and the program's activity around it. */
export type AlertDetail = Schemas['AlertDetailDto'];
export type AlertPage = Schemas['AlertPageDto'];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ['open', 'acknowledged', 'resolved', 'false_positive'] as const;
export type AlertStatus = (typeof STATUSES)[number];

export const STATUS_LABELS: Record<AlertStatus, string> = {
  open: 'Open',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  false_positive: 'False positive',
};

/** What the queue filters on (empty = no filter). */
export interface AlertFilters {
  status: AlertStatus[];
  severity: Severity[];
  endpointId: string | null;
  program: string;
  kind: string;
  range: string | null;
  q: string;
}

/** A triage change: one alert or many. */
export interface TriageChange {
  status?: AlertStatus;
  assignee?: string | null;
  note?: string;
}
