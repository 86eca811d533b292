import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { enrolEndpoint, fetchActivity, fetchEndpoint, fetchEndpoints, fetchProcessTree } from '../api/endpoints-api';

export function useEndpoints() {
  return useQuery({ queryKey: ['endpoints', 'list'], queryFn: fetchEndpoints, refetchInterval: 30_000 });
}

/** id → name for tables that show alerts; falls back to the id's first characters. */
export function useEndpointNames(): (id: string) => string {
  const { data } = useEndpoints();
  return useCallback((id: string) => data?.find((e) => e.id === id)?.name ?? id.slice(0, 8), [data]);
}

export function useEndpoint(id: string) {
  return useQuery({ queryKey: ['endpoints', 'detail', id], queryFn: () => fetchEndpoint(id) });
}

export function useEndpointActivity(id: string, q: { program?: string; from?: string; bucket?: string }) {
  return useQuery({ queryKey: ['endpoints', 'activity', id, q], queryFn: () => fetchActivity(id, q) });
}

export function useProcessTree(id: string) {
  return useQuery({ queryKey: ['endpoints', 'process-tree', id], queryFn: () => fetchProcessTree(id) });
}

export function useEnrolEndpoint() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: enrolEndpoint, onSuccess: () => qc.invalidateQueries({ queryKey: ['endpoints', 'list'] }) });
}
