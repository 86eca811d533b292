import { api, call } from '../../../api/client';
import type { TriageChange } from '../../alerts/types/alert';
import type { Incident, IncidentDetail } from '../types/incident';

export function fetchIncidents(q: { status?: string[]; sort?: 'rank' | 'time' }): Promise<Incident[]> {
  return call(api.GET('/api/incidents', { params: { query: { status: q.status?.length ? (q.status as never) : undefined, sort: q.sort } } }));
}

export function fetchIncident(id: string): Promise<IncidentDetail> {
  return call(api.GET('/api/incidents/{id}', { params: { path: { id } } }));
}

/** Triage of the incident: applies to each of its alerts. */
export function updateIncident(id: string, change: TriageChange): Promise<IncidentDetail> {
  return call(api.PATCH('/api/incidents/{id}', { params: { path: { id } }, body: change }));
}
