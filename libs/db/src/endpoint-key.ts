import { createHash, randomBytes } from 'node:crypto';

/*
 * Endpoint keys, owned here once: the API's and the CLI's enrolment and key rotation issue them, the
 * gateway verifies them (bearer token → hash → `endpoints.key_hash`). The key itself is never stored.
 */

/** Prefix of endpoint keys, so a leaked key is recognisable (secret scanners, logs). */
export const ENDPOINT_KEY_PREFIX = 'vgk_';

/** Longest bearer token that is even hashed (keys are 47 characters): a larger one is malformed. */
export const MAX_ENDPOINT_KEY_LENGTH = 256;

/** A new endpoint key: 256 random bits, base64url, with the `vgk_` prefix. Shown once, never stored. */
export function generateEndpointKey(): string {
  return ENDPOINT_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The stored form of a key: sha256 of its UTF-8 text (32 raw bytes, `endpoints.key_hash`). Keys are
 * 256-bit random, so a fast hash is enough (nothing to brute-force) and the gateway can look a key up
 * by an index on it.
 */
export function hashEndpointKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The key of an `Authorization` header value `Bearer <key>`; undefined when the header is malformed or the token too long. */
export function bearerEndpointKey(header: string): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  const key = match?.[1];
  return key !== undefined && key.length <= MAX_ENDPOINT_KEY_LENGTH ? key : undefined;
}
