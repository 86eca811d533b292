import { createHash, randomBytes } from 'node:crypto';
import { generate, generateSecret, generateURI, verify } from 'otplib';

/** How many recovery codes enrolment hands out. */
export const RECOVERY_CODE_COUNT = 10;
/** Codes from one step before or after the current one are accepted (clock drift). */
const TOLERANCE_S = 30;

/** A new base32 secret (160 bits, RFC 4226's recommendation). */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The otpauth:// URI an authenticator app reads (as a QR code or typed in). */
export function totpUri(issuer: string, username: string, secret: string): string {
  return generateURI({ issuer, label: username, secret });
}

/** The time step `code` matches (RFC 6238, 30 s, 6 digits, SHA-1: what every authenticator app does), or undefined. */
export async function totpStep(secret: string, code: string, afterStep?: number): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  try {
    const result = await verify({ secret, token: code, epochTolerance: TOLERANCE_S, ...(afterStep === undefined ? {} : { afterTimeStep: afterStep }) });
    return result.valid && 'timeStep' in result ? result.timeStep : undefined;
  } catch {
    return undefined;
  }
}

/** The current code of a secret (tests, and nothing else: the server never shows a code). */
export function totpCode(secret: string, epochS?: number): Promise<string> {
  return generate({ secret, ...(epochS === undefined ? {} : { epoch: epochS }) });
}

/** Fresh recovery codes: 10 × 112 random bits (ASVS 2.6.2), `xxxxxxx-xxxxxxx-xxxxxxx-xxxxxxx` in lower-case hex. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () =>
    randomBytes(14)
      .toString('hex')
      .match(/.{7}/g)!
      .join('-'),
  );
}

/** True for text shaped like a recovery code rather than a 6-digit TOTP code. */
export const looksLikeRecoveryCode = (code: string): boolean => /^[0-9a-f]{7}(-[0-9a-f]{7}){3}$/i.test(code.trim());

/**
 * What is stored for a recovery code: sha256 salted with the user id. The codes carry 112 random bits,
 * so a fast hash is enough (no dictionary to walk), and checking one costs no argon2 per stored code.
 */
export function recoveryCodeHash(userId: string, code: string): string {
  return createHash('sha256').update(`vigil-recovery:${userId}:${code.trim().toLowerCase()}`, 'utf8').digest('hex');
}
