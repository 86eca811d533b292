import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Stored form of a sealed secret: `v1:<iv>:<ciphertext>:<tag>`, each base64url. */
const PREFIX = 'v1:';
/** AES-256-GCM with a 96-bit random IV per seal (NIST SP 800-38D's recommended size) and a 128-bit tag. */
const ALGORITHM = 'aes-256-gcm';

/** A sealed secret could not be opened: another key, or a changed row. */
export class TotpSecretUnreadableError extends Error {
  constructor(userId: string) {
    super(`the TOTP secret of user ${userId} cannot be decrypted with the configured key (VIGIL_TOTP_KEY_FILE / VIGIL_TOTP_KEY changed, or the row was altered)`);
  }
}

/**
 * TOTP secrets at rest (`users.totp_secret`): AES-256-GCM under the operator's key, the user id as
 * associated data — a sealed secret copied into another user's row does not open. Rows written
 * before encryption (base32 text, no prefix) are still read as they are, and {@link seal}ed by the
 * API at start-up when a key is configured.
 */
export class TotpSecretBox {
  /** @param key 32 bytes (VIGIL_TOTP_KEY_FILE / VIGIL_TOTP_KEY); undefined = no key, nothing new can be sealed */
  constructor(private readonly key: Buffer | undefined) {
    if (key && key.length !== 32) throw new Error(`a TOTP key is 32 bytes (AES-256), got ${key.length}`);
  }

  /** Whether a key is configured (enrolment needs one). */
  get hasKey(): boolean {
    return this.key !== undefined;
  }

  /** Whether a stored value is sealed (else it is a secret stored in clear by an older version). */
  static isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  seal(userId: string, secret: string): string {
    if (!this.key) throw new Error('no TOTP key configured (VIGIL_TOTP_KEY_FILE or VIGIL_TOTP_KEY)');
    const iv = randomBytes(12);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    cipher.setAAD(Buffer.from(userId, 'utf8'));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64url')}:${body.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}`;
  }

  /** The secret of `userId`'s stored value (a clear legacy value as it is); throws {@link TotpSecretUnreadableError}. */
  open(userId: string, stored: string): string {
    if (!TotpSecretBox.isSealed(stored)) return stored;
    const [iv, body, tag] = stored.slice(PREFIX.length).split(':');
    if (!this.key || !iv || !body || !tag) throw new TotpSecretUnreadableError(userId);
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(userId, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new TotpSecretUnreadableError(userId);
    }
  }
}
