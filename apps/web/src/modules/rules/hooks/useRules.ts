import { useQuery } from '@tanstack/react-query';
import { fetchRules } from '../api/rules-api';

/** The rule catalogue; it changes only when an analyzer restarts. */
export function useRules() {
  return useQuery({ queryKey: ['rules'], queryFn: fetchRules, staleTime: 5 * 60_000 });
}
