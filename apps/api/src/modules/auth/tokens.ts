import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new secret token: 256 random bits, base64url (session tokens; endpoint keys are @vigil/db's). */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the `sessions` table stores instead of a session token: lowercase hex sha256 of its UTF-8 text. */
export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The CSRF token bound to a session: derived from the session token (which only the cookie holds),
 * so a cross-site page can neither read nor compute it, and nothing more needs storing.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`vigil-csrf:${sessionToken}`, 'utf8').digest('base64url');
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
