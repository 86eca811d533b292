import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { REAUTH_KEY } from '../../../app/query-client';
import { changePassword, endOtherSessions, fetchOwnSessions, reauthenticate, totpDisable, totpEnable, totpSetup } from '../api/auth-api';
import { SESSION_KEY } from './useSession';

/** After these the session's pending step or second-factor state changed: read it again. */
const refreshSession = (qc: ReturnType<typeof useQueryClient>) => qc.invalidateQueries({ queryKey: SESSION_KEY });

export function useChangePassword() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (i: { currentPassword: string; newPassword: string }) => changePassword(i.currentPassword, i.newPassword), onSuccess: () => refreshSession(qc) });
}

export function useReauth() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (i: { password: string; totp?: string }) => reauthenticate(i.password, i.totp),
    onSuccess: async () => {
      qc.setQueryData(REAUTH_KEY, false);
      await refreshSession(qc);
    },
  });
}

export function useTotpSetup() {
  return useMutation({ mutationFn: totpSetup });
}

/** Confirm enrolment. The session is re-read only when the user has seen the recovery codes (useRefreshSession). */
export function useTotpEnable() {
  return useMutation({ mutationFn: totpEnable });
}

export function useRefreshSession(): () => Promise<void> {
  const qc = useQueryClient();
  return () => refreshSession(qc);
}

export function useTotpDisable() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (i: { password: string; code: string }) => totpDisable(i.password, i.code), onSuccess: () => refreshSession(qc) });
}

export function useOwnSessions() {
  return useQuery({ queryKey: ['own-sessions'], queryFn: fetchOwnSessions });
}

export function useEndOtherSessions() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: endOtherSessions, onSettled: () => qc.invalidateQueries({ queryKey: ['own-sessions'] }) });
}
