import { api, call } from '../../../api/client';
import { rangeStart } from '../../../components/time-range';
import type { AlertDetail, AlertFilters, AlertPage, TriageChange } from '../types/alert';

/** The query string of the alert list for these filters. */
export function alertQuery(f: AlertFilters, cursor?: string | null, limit = 50) {
  return {
    status: f.status.length ? f.status : undefined,
    severity: f.severity.length ? f.severity : undefined,
    endpointId: f.endpointId ?? undefined,
    program: f.program.trim() || undefined,
    kind: f.kind.trim() || undefined,
    from: rangeStart(f.range),
    q: f.q.trim() || undefined,
    cursor: cursor ?? undefined,
    limit,
  };
}

export function fetchAlerts(f: AlertFilters, cursor?: string | null): Promise<AlertPage> {
  return call(api.GET('/api/alerts', { params: { query: alertQuery(f, cursor) } }));
}

export function fetchAlert(id: string): Promise<AlertDetail> {
  return call(api.GET('/api/alerts/{id}', { params: { path: { id } } }));
}

export function updateAlert(id: string, change: TriageChange): Promise<AlertDetail> {
  return call(api.PATCH('/api/alerts/{id}', { params: { path: { id } }, body: change }));
}

export async function updateAlerts(ids: string[], change: TriageChange): Promise<number> {
  return (await call(api.PATCH('/api/alerts', { body: { ids, ...change } }))).updated;
}

/**
 * Accept into the baseline of this endpoint, or (`fleet`) of every endpoint running the program.
 * Resolves the status (queued, or — four-eyes acceptance on — a request waiting for an admin) and how many endpoints.
 */
export async function acceptIntoBaseline({ id, scope = 'endpoint' }: { id: string; scope?: 'endpoint' | 'fleet' }): Promise<{ status: 'queued' | 'pending_approval'; endpoints: number }> {
  const r = await call(api.POST('/api/alerts/{id}/accept-baseline', { params: { path: { id }, query: { scope } } }));
  return { status: r.status, endpoints: r.endpoints };
}

/** Does a live alert belong in the list these filters show? (The server filtered the page itself.) */
export function matchesFilters(a: { status: string; severity: string; endpointId: string; program: string; kind: string; time: string; title: string; evidence: string }, f: AlertFilters, now = Date.now()): boolean {
  if (f.status.length && !f.status.includes(a.status as never)) return false;
  if (f.severity.length && !f.severity.includes(a.severity as never)) return false;
  if (f.endpointId && a.endpointId !== f.endpointId) return false;
  if (f.program.trim() && a.program !== f.program.trim()) return false;
  if (f.kind.trim() && a.kind !== f.kind.trim()) return false;
  const from = rangeStart(f.range, now);
  if (from && a.time < from) return false;
  const q = f.q.trim().toLowerCase();
  if (q && ![a.title, a.program, a.evidence].some((t) => t.toLowerCase().includes(q))) return false;
  return true;
}
