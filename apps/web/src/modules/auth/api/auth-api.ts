import { api, call } from '../../../api/client';
import { ApiRequestError } from '../../../api/errors';
import type { Session } from '../types/session';

/** The current session, or null when there is none (401). */
export async function fetchSession(): Promise<Session | null> {
  try {
    return await call(api.GET('/api/auth/me'));
  } catch (err) {
    if (err instanceof ApiRequestError && err.unauthenticated) return null;
    throw err;
  }
}

export async function login(username: string, password: string): Promise<Session> {
  const r = await call(api.POST('/api/auth/login', { body: { username, password } }));
  return { userId: r.userId, username: r.username, role: r.role, csrfToken: r.csrfToken };
}

export async function logout(): Promise<void> {
  await call(api.POST('/api/auth/logout'));
}
