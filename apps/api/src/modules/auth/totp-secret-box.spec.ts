import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TotpSecretBox, TotpSecretUnreadableError } from './totp-secret-box';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

describe('TotpSecretBox', () => {
  const box = new TotpSecretBox(randomBytes(32));

  it('seals with a fresh IV each time and opens what it sealed', () => {
    const a = box.seal('user-1', SECRET);
    const b = box.seal('user-1', SECRET);
    expect(a).toMatch(/^v1:[\w-]{16}:[\w-]+:[\w-]{22}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(SECRET);
    expect(box.open('user-1', a)).toBe(SECRET);
    expect(box.open('user-1', b)).toBe(SECRET);
  });

  it("refuses another user's sealed secret, another key, and a changed ciphertext", () => {
    const sealed = box.seal('user-1', SECRET);
    expect(() => box.open('user-2', sealed)).toThrow(TotpSecretUnreadableError);
    expect(() => new TotpSecretBox(randomBytes(32)).open('user-1', sealed)).toThrow(/cannot be decrypted with the configured key/);
    const [prefix, iv, body, tag] = sealed.split(':');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => box.open('user-1', [prefix, iv, flipped.toString('base64url'), tag].join(':'))).toThrow(TotpSecretUnreadableError);
    expect(() => new TotpSecretBox(undefined).open('user-1', sealed)).toThrow(TotpSecretUnreadableError);
  });

  it('reads a secret stored in clear by an older version as it is; cannot seal without a key', () => {
    expect(TotpSecretBox.isSealed(SECRET)).toBe(false);
    expect(box.open('user-1', SECRET)).toBe(SECRET);
    const none = new TotpSecretBox(undefined);
    expect(none.hasKey).toBe(false);
    expect(() => none.seal('user-1', SECRET)).toThrow(/no TOTP key configured/);
    expect(() => new TotpSecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});
