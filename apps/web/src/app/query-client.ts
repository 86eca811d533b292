import { QueryCache, QueryClient, MutationCache } from '@tanstack/react-query';
import { ApiRequestError } from '../api/errors';
import { setSessionHint } from '../modules/auth/api/session-hint';

/** Shared query client: a 401 anywhere means the session is over, so the login form replaces the screen. */
export function createQueryClient(): QueryClient {
  const onError = (err: unknown): void => {
    if (err instanceof ApiRequestError && err.unauthenticated) {
      setSessionHint(false);
      qc.setQueryData(['session'], null);
    }
  };
  const qc: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        refetchOnWindowFocus: false,
        // refused requests do not get better by retrying; network errors may
        retry: (n, err) => !(err instanceof ApiRequestError && err.status >= 400 && err.status < 500) && n < 2,
      },
    },
  });
  return qc;
}
