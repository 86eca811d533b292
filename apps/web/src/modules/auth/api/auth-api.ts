import { api, call } from '../../../api/client';
import { ApiRequestError } from '../../../api/errors';
import type { Session } from '../types/session';
import { hasSessionHint, setSessionHint } from './session-hint';

/** The current session, or null when there is none (never logged in here, logged out, or a 401). */
export async function fetchSession(): Promise<Session | null> {
  if (!hasSessionHint()) return null;
  try {
    return await call(api.GET('/api/auth/me'));
  } catch (err) {
    if (err instanceof ApiRequestError && err.unauthenticated) {
      setSessionHint(false);
      return null;
    }
    throw err;
  }
}

export async function login(username: string, password: string): Promise<Session> {
  const r = await call(api.POST('/api/auth/login', { body: { username, password } }));
  setSessionHint(true);
  return { userId: r.userId, username: r.username, role: r.role, csrfToken: r.csrfToken };
}

export async function logout(): Promise<void> {
  try {
    await call(api.POST('/api/auth/logout'));
  } finally {
    setSessionHint(false);
  }
}
