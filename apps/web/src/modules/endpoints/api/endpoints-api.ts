import { api, call } from '../../../api/client';
import type { ActivityBucket, EndpointDetail, Endpoint, EnrolledEndpoint, ProcessNode } from '../types/endpoint';

export function fetchEndpoints(): Promise<Endpoint[]> {
  return call(api.GET('/api/endpoints', { params: { query: {} } }));
}

export function fetchEndpoint(id: string): Promise<EndpointDetail> {
  return call(api.GET('/api/endpoints/{id}', { params: { path: { id } } }));
}

export function enrolEndpoint(name: string): Promise<EnrolledEndpoint> {
  return call(api.POST('/api/endpoints', { body: { name } }));
}

export function fetchActivity(id: string, q: { program?: string; from?: string; to?: string; bucket?: string }): Promise<ActivityBucket[]> {
  return call(api.GET('/api/endpoints/{id}/activity', { params: { path: { id }, query: q } }));
}

export function fetchProcessTree(id: string, at?: string): Promise<ProcessNode[]> {
  return call(api.GET('/api/endpoints/{id}/process-tree', { params: { path: { id }, query: { at } } }));
}
