import { api, call } from '../../../api/client';
import type { BaselineRequest, SecuritySettings } from '../types/baseline-request';

export function fetchBaselineRequests(status?: 'pending' | 'approved' | 'rejected'): Promise<BaselineRequest[]> {
  return call(api.GET('/api/baseline-requests', { params: { query: { status, limit: 200 } } }));
}

export function decideBaselineRequest(id: string, approve: boolean, reason?: string): Promise<BaselineRequest> {
  const path = approve ? '/api/baseline-requests/{id}/approve' : '/api/baseline-requests/{id}/reject';
  return call(api.POST(path, { params: { path: { id } }, body: reason ? { reason } : {} }));
}

export function fetchSettings(): Promise<SecuritySettings> {
  return call(api.GET('/api/settings'));
}

export function updateSettings(change: Partial<SecuritySettings>): Promise<SecuritySettings> {
  return call(api.PATCH('/api/settings', { body: change }));
}
