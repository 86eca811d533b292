/**
 * Whether this browser logged in and has not logged out since. The session cookie is httpOnly (scripts
 * cannot see it), so without this hint every visit would first ask GET /api/auth/me and get a 401, which
 * browsers report as a console error. The hint only decides whether to ask: the server decides the rest.
 */
const KEY = 'vigil.session';

export function hasSessionHint(): boolean {
  try {
    return globalThis.localStorage?.getItem(KEY) === '1';
  } catch {
    return true; // storage blocked: ask the server
  }
}

export function setSessionHint(present: boolean): void {
  try {
    if (present) globalThis.localStorage?.setItem(KEY, '1');
    else globalThis.localStorage?.removeItem(KEY);
  } catch {
    // storage blocked: every visit asks the server
  }
}
