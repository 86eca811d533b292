import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Role } from '../../auth/types/session';
import { createUser, fetchSessions, fetchUsers, resetPassword, revokeSessions, updateUser } from '../api/users-api';

export function useUsers() {
  return useQuery({ queryKey: ['users'], queryFn: fetchUsers });
}

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: createUser, onSuccess: () => qc.invalidateQueries({ queryKey: ['users'] }) });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (i: { id: string; role?: Role; disabled?: boolean }) => updateUser(i.id, { role: i.role, disabled: i.disabled }),
    onSettled: () => qc.invalidateQueries({ queryKey: ['users'] }),
  });
}

export function useResetPassword() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: resetPassword, onSettled: () => qc.invalidateQueries({ queryKey: ['users'] }) });
}

export function useUserSessions(id: string | null) {
  return useQuery({ queryKey: ['user-sessions', id], queryFn: () => fetchSessions(id!), enabled: id !== null });
}

export function useRevokeSessions() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: revokeSessions, onSettled: (_r, _e, id) => qc.invalidateQueries({ queryKey: ['user-sessions', id] }) });
}
