import { api, call } from '../../../api/client';
import type { Role } from '../../auth/types/session';
import type { NewUser, User, UserSession } from '../types/user';

export function fetchUsers(): Promise<User[]> {
  return call(api.GET('/api/users'));
}

export function createUser(u: NewUser): Promise<User> {
  return call(api.POST('/api/users', { body: u }));
}

/** Role and/or disabled; the server ends the user's sessions. */
export function updateUser(id: string, change: { role?: Role; disabled?: boolean }): Promise<User> {
  return call(api.PATCH('/api/users/{id}', { params: { path: { id } }, body: change }));
}

/** A temporary password (shown once) that the user must change at next login. */
export function resetPassword(id: string): Promise<{ temporaryPassword: string }> {
  return call(api.POST('/api/users/{id}/reset-password', { params: { path: { id } } }));
}

export function fetchSessions(id: string): Promise<UserSession[]> {
  return call(api.GET('/api/users/{id}/sessions', { params: { path: { id } } }));
}

export function revokeSessions(id: string): Promise<{ revoked: number }> {
  return call(api.DELETE('/api/users/{id}/sessions', { params: { path: { id } } }));
}
