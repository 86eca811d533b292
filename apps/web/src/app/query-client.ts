import { QueryCache, QueryClient, MutationCache } from '@tanstack/react-query';
import { ApiRequestError } from '../api/errors';
import { setSessionHint } from '../modules/auth/api/session-hint';

/** Key of the flag that opens the re-authentication dialog (ReauthModal). */
export const REAUTH_KEY = ['reauth-needed'] as const;

/**
 * Shared query client: a 401 anywhere means the session is over, so the login form replaces the screen;
 * a pending step (password change, TOTP enrolment) re-reads the session, whose gate then shows it; an
 * admin action refused for want of a recent password opens the re-authentication dialog.
 */
export function createQueryClient(): QueryClient {
  const onError = (err: unknown): void => {
    if (!(err instanceof ApiRequestError)) return;
    if (err.unauthenticated) {
      setSessionHint(false);
      qc.setQueryData(['session'], null);
    } else if (err.code === 'PASSWORD_CHANGE_REQUIRED' || err.code === 'TOTP_ENROLMENT_REQUIRED') {
      void qc.invalidateQueries({ queryKey: ['session'] });
    } else if (err.code === 'REAUTH_REQUIRED') {
      qc.setQueryData(REAUTH_KEY, true);
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
