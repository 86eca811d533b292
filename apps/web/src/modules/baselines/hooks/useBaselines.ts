import { useQuery } from '@tanstack/react-query';
import { fetchAlerts } from '../../alerts/api/alerts-api';
import { fetchBaseline, fetchBaselines } from '../api/baselines-api';

export function useBaselines(q: { endpointId?: string; program?: string }) {
  return useQuery({ queryKey: ['baselines', 'list', q], queryFn: () => fetchBaselines(q) });
}

export function useBaseline(endpointId: string | null, programKey: string | null) {
  return useQuery({
    queryKey: ['baselines', 'detail', endpointId, programKey],
    queryFn: () => fetchBaseline(endpointId!, programKey!),
    enabled: !!endpointId && !!programKey,
  });
}

/** Recent deviations of the program on the endpoint (its alerts, any status): what changed lately. */
export function useRecentDeviations(endpointId: string | null, program: string | null) {
  return useQuery({
    queryKey: ['alerts', 'deviations', endpointId, program],
    queryFn: () => fetchAlerts({ status: [], severity: [], endpointId, program: program!, kind: '', range: '30d', q: '' }),
    enabled: !!endpointId && !!program,
  });
}
