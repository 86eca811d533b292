import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new secret token: 256 random bits, base64url (session tokens, endpoint keys). */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Prefix of endpoint keys (as the gateway's libs/db makes them), so a leaked key is recognisable. */
export const ENDPOINT_KEY_PREFIX = 'vgk_';

/** A new endpoint key: `vgk_` + 256 random bits in base64url. */
export function newEndpointKey(): string {
  return ENDPOINT_KEY_PREFIX + newSecretToken();
}

/** What the `endpoints` table stores instead of a key: sha256 of its UTF-8 text, 32 raw bytes (the gateway looks keys up by it). */
export function sha256Bytes(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
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
