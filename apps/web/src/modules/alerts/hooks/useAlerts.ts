import { type InfiniteData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { notify } from '../../../components/notify';
import { errorText } from '../../../api/errors';
import { acceptIntoBaseline, fetchAlert, fetchAlerts, updateAlert, updateAlerts } from '../api/alerts-api';
import type { AlertFilters, AlertPage, TriageChange } from '../types/alert';

export const alertsKey = (f?: AlertFilters) => (f ? (['alerts', 'list', f] as const) : (['alerts', 'list'] as const));
export const alertKey = (id: string) => ['alerts', 'detail', id] as const;

export type AlertPages = InfiniteData<AlertPage, string | null>;

/** The filtered queue, newest first, one page of 50 at a time (keyset cursor). */
export function useAlerts(filters: AlertFilters) {
  return useInfiniteQuery({
    queryKey: alertsKey(filters),
    queryFn: ({ pageParam }) => fetchAlerts(filters, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useAlert(id: string) {
  return useQuery({ queryKey: alertKey(id), queryFn: () => fetchAlert(id) });
}

const changeWords = (c: TriageChange): string =>
  c.status ? `marked ${c.status.replace('_', ' ')}` : c.assignee !== undefined ? (c.assignee ? `assigned to ${c.assignee}` : 'unassigned') : 'comment added';

/** Triage of one or many alerts; the lists and details refetch afterwards. */
export function useTriage() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ ids, change }: { ids: string[]; change: TriageChange }) =>
      ids.length === 1 ? (await updateAlert(ids[0]!, change), 1) : updateAlerts(ids, change),
    onSuccess: (n, { change }) => {
      notify({ color: 'green', message: `${n === 1 ? 'Alert' : `${n} alerts`} ${changeWords(change)}` });
    },
    onError: (err) => notify({ color: 'red', title: 'Triage failed', message: errorText(err) }),
    onSettled: () => qc.invalidateQueries({ queryKey: ['alerts'] }),
  });
}

export function useAcceptIntoBaseline() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: acceptIntoBaseline,
    onSuccess: ({ status, endpoints }) =>
      notify(
        status === 'pending_approval'
          ? { color: 'blue', message: 'Sent for approval: an admin must approve it before the analyzer adds this behaviour to the baseline.' }
          : { color: 'green', message: `Accepted on ${endpoints === 1 ? 'this endpoint' : `${endpoints} endpoints`}: the analyzer adds this behaviour to the program’s baseline and stops alerting on it.` },
      ),
    onError: (err) => notify({ color: 'red', title: 'Could not accept into the baseline', message: errorText(err) }),
    onSettled: (_r, _e, { id }) => qc.invalidateQueries({ queryKey: alertKey(id) }),
  });
}
