import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { decideBaselineRequest, fetchBaselineRequests, fetchSettings, updateSettings } from '../api/approvals-api';

export function useBaselineRequests(status?: 'pending' | 'approved' | 'rejected') {
  return useQuery({ queryKey: ['baseline-requests', status ?? 'all'], queryFn: () => fetchBaselineRequests(status) });
}

export function useDecideBaselineRequest() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (i: { id: string; approve: boolean; reason?: string }) => decideBaselineRequest(i.id, i.approve, i.reason),
    onSettled: () => qc.invalidateQueries({ queryKey: ['baseline-requests'] }),
  });
}

export function useSecuritySettings() {
  return useQuery({ queryKey: ['settings'], queryFn: fetchSettings });
}

export function useUpdateSettings() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: updateSettings, onSuccess: (s) => qc.setQueryData(['settings'], s) });
}
