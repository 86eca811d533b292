import { ALERT_STATUSES, SEVERITIES as API_SEVERITIES, type components } from '@vigil/api-client';

type Schemas = components['schemas'];

/** An alert as listed (newest first). */
export type Alert = Schemas['AlertDto'];
/** An alert with its evidence data, notes, history and the program's activity around it. */
export type AlertDetail = Schemas['AlertDetailDto'];
export type AlertPage = Schemas['AlertPageDto'];

export type Severity = Alert['severity'];
/** The API's severities, most severe first. */
export const SEVERITIES: readonly Severity[] = [...API_SEVERITIES].reverse();

export type AlertStatus = Alert['status'];
/** The API's alert statuses. */
export const STATUSES: readonly AlertStatus[] = ALERT_STATUSES;

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
