import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { fetchSession, login, logout } from '../api/auth-api';
import type { Session } from '../types/session';

export const SESSION_KEY = ['session'] as const;

/** The logged-in user (null: show the login form). Asked once, then kept until login/logout/401. */
export function useSession() {
  return useQuery<Session | null>({ queryKey: SESSION_KEY, queryFn: fetchSession, staleTime: Infinity, retry: false });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { username: string; password: string; totp?: string }) => login(input.username, input.password, input.totp),
    onSuccess: (session) => {
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
      qc.setQueryData(SESSION_KEY, session);
    },
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      // Show the login form first: the screens (and the alert stream) unmount before the session ends,
      // so nothing asks the server with a dead session (each 401 would be a console error).
      await qc.cancelQueries();
      qc.setQueryData(SESSION_KEY, null);
      await new Promise((r) => setTimeout(r, 0));
      await logout();
    },
    onSettled: () => {
      // nothing of the last user's data stays in memory
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
      qc.setQueryData(SESSION_KEY, null);
    },
  });
}

/** True for admins (Users and Audit log screens, enrolment). */
export function useIsAdmin(): boolean {
  return useSession().data?.role === 'admin';
}
