import { api, call } from '../../../api/client';
import type { AuditPage } from '../types/audit';

export function fetchAudit(q: { action?: string; cursor?: string }): Promise<AuditPage> {
  return call(api.GET('/api/audit', { params: { query: { ...q, limit: 100 } } }));
}
