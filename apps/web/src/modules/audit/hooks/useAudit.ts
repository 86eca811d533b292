import { useInfiniteQuery } from '@tanstack/react-query';
import { fetchAudit } from '../api/audit-api';

/** Newest first, 100 a page. */
export function useAudit(action: string) {
  return useInfiniteQuery({
    queryKey: ['audit', action],
    queryFn: ({ pageParam }) => fetchAudit({ action: action || undefined, cursor: pageParam ?? undefined }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}
