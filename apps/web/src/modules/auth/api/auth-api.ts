import { api, call } from '../../../api/client';
import { ApiRequestError } from '../../../api/errors';
import type { OwnSession, Session } from '../types/session';
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

/** Log in; `totp` is the authenticator (or recovery) code, for users with a second factor. */
export async function login(username: string, password: string, totp?: string): Promise<Session> {
  const r = await call(api.POST('/api/auth/login', { body: { username, password, ...(totp ? { totp } : {}) } }));
  setSessionHint(true);
  const { expiresAt: _expiresAt, ...session } = r;
  return session;
}

export async function logout(): Promise<void> {
  try {
    await call(api.POST('/api/auth/logout'));
  } finally {
    setSessionHint(false);
  }
}

/** Own password; the server ends every other session of the user. */
export function changePassword(currentPassword: string, newPassword: string): Promise<{ otherSessionsEnded: number }> {
  return call(api.POST('/api/auth/password', { body: { currentPassword, newPassword } }));
}

/** Enter the password (and code) again: admin actions are allowed for the next minutes. */
export function reauthenticate(password: string, totp?: string): Promise<{ reauthUntil: string }> {
  return call(api.POST('/api/auth/reauth', { body: { password, ...(totp ? { totp } : {}) } }));
}

export function totpSetup(): Promise<{ secret: string; uri: string }> {
  return call(api.POST('/api/auth/totp/setup'));
}

export function totpEnable(code: string): Promise<{ recoveryCodes: string[] }> {
  return call(api.POST('/api/auth/totp/enable', { body: { code } }));
}

export function totpDisable(password: string, code: string): Promise<void> {
  return call(api.DELETE('/api/auth/totp', { body: { password, code } }));
}

/** One's own live sessions, the current one marked. */
export function fetchOwnSessions(): Promise<OwnSession[]> {
  return call(api.GET('/api/auth/sessions'));
}

/** End one's other sessions. */
export function endOtherSessions(): Promise<{ revoked: number }> {
  return call(api.DELETE('/api/auth/sessions'));
}
