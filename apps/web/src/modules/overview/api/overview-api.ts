import { api, call } from '../../../api/client';
import type { Overview } from '../types/overview';

export function fetchOverview(q: { from?: string; bucket?: string }): Promise<Overview> {
  return call(api.GET('/api/overview', { params: { query: q } }));
}
