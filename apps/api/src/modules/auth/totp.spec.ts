import { describe, expect, it } from 'vitest';
import { looksLikeRecoveryCode, newRecoveryCodes, newTotpSecret, recoveryCodeHash, totpCode, totpStep } from './totp';

describe('TOTP and recovery codes', () => {
  it('accepts the current code and its neighbours, refuses older steps and malformed input', async () => {
    const secret = newTotpSecret();
    // otplib verifies against the wall clock: generate codes around it
    const wall = Math.floor(Date.now() / 1000);
    expect(await totpStep(secret, await totpCode(secret, wall))).toBe(Math.floor(wall / 30));
    expect(await totpStep(secret, await totpCode(secret, wall - 30))).toBe(Math.floor(wall / 30) - 1);
    expect(await totpStep(secret, await totpCode(secret, wall - 120))).toBeUndefined();
    // a step at or before the last accepted one is a replay
    expect(await totpStep(secret, await totpCode(secret, wall), Math.floor(wall / 30))).toBeUndefined();
    expect(await totpStep(secret, '12345')).toBeUndefined();
    expect(await totpStep(secret, 'abcdef')).toBeUndefined();
  });

  it('makes 10 distinct recovery codes of 112 bits, recognisable, hashed per user', () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) {
      expect(looksLikeRecoveryCode(c)).toBe(true);
      expect(c.replace(/-/g, '')).toHaveLength(28); // 28 hex digits = 112 bits
    }
    expect(looksLikeRecoveryCode('123456')).toBe(false);
    expect(recoveryCodeHash('u1', codes[0]!)).toBe(recoveryCodeHash('u1', ` ${codes[0]!.toUpperCase()} `));
    expect(recoveryCodeHash('u1', codes[0]!)).not.toBe(recoveryCodeHash('u2', codes[0]!));
  });
});
