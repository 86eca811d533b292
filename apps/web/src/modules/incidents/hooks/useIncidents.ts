import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorText } from '../../../api/errors';
import { notify } from '../../../components/notify';
import type { TriageChange } from '../../alerts/types/alert';
import { fetchIncident, fetchIncidents, updateIncident } from '../api/incidents-api';

export function useIncidents(q: { status?: string[]; sort?: 'rank' | 'time' }) {
  return useQuery({ queryKey: ['incidents', 'list', q], queryFn: () => fetchIncidents(q) });
}

export function useIncident(id: string) {
  return useQuery({ queryKey: ['incidents', 'detail', id], queryFn: () => fetchIncident(id) });
}

/** Triage an incident (and so its alerts); incidents and alerts refetch afterwards. */
export function useIncidentTriage(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (change: TriageChange) => updateIncident(id, change),
    onSuccess: () => notify({ color: 'green', message: 'Incident updated, with each of its alerts' }),
    onError: (err) => notify({ color: 'red', title: 'Triage failed', message: errorText(err) }),
    onSettled: async () => {
      await qc.invalidateQueries({ queryKey: ['incidents'] });
      await qc.invalidateQueries({ queryKey: ['alerts'] });
    },
  });
}
