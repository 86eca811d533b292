import { api, call } from '../../../api/client';
import type { Baseline, BaselineDetail } from '../types/baseline';

export function fetchBaselines(q: { endpointId?: string; program?: string }): Promise<Baseline[]> {
  return call(api.GET('/api/baselines', { params: { query: q } }));
}

export function fetchBaseline(endpointId: string, programKey: string): Promise<BaselineDetail> {
  // openapi-fetch URL-encodes path parameters (a program key holds slashes)
  return call(api.GET('/api/baselines/{endpointId}/{programKey}', { params: { path: { endpointId, programKey } } }));
}
