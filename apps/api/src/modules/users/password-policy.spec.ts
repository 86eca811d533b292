import { describe, expect, it } from 'vitest';
import { commonPasswords, passwordProblem } from './password-policy';

describe('passwordProblem', () => {
  it('ships a common-password list of thousands of entries', () => {
    expect(commonPasswords().size).toBeGreaterThan(10_000);
    expect(commonPasswords().has('password')).toBe(true);
  });

  it.each([
    ['eleven-char', 'at least 12 characters'],
    ['password1234', 'commonly used'],
    ['PASSWORD1234', 'commonly used'],
    ['123456789012', 'commonly used'],
    ['dragon123456789!', 'digits or symbols appended'],
    ['qwertyuiopasdf', 'keyboard or alphabet sequence'],
    ['abcdefghijklm', 'keyboard or alphabet sequence'],
    ['abababababababab', 'too few distinct characters'],
    ['x'.repeat(300), 'at most 256'],
  ])('refuses %s', (pw, reason) => {
    expect(passwordProblem(pw)).toContain(reason);
  });

  it('refuses a password containing the username', () => {
    expect(passwordProblem('margaret-rocks-2026', 'Margaret')).toContain('username');
  });

  it('accepts long uncommon passphrases', () => {
    expect(passwordProblem('violet-anchor-47-orbit', 'root')).toBeUndefined();
    expect(passwordProblem('correct horse battery staple')).toBeUndefined();
  });
});
