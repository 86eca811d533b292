import { useQuery } from '@tanstack/react-query';
import { fetchOverview } from '../api/overview-api';

/** Refreshed every 30 s while the screen is open. */
export function useOverview(q: { from?: string; bucket?: string }) {
  return useQuery({ queryKey: ['overview', q], queryFn: () => fetchOverview(q), refetchInterval: 30_000 });
}
