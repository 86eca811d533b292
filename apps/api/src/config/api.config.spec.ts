import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@vigil/common';
import { describe, expect, it } from 'vitest';
import { ApiConfig } from './api.config';

describe('ApiConfig', () => {
  it('has loopback defaults and needs only the database URL', () => {
    const c = new ApiConfig({ VIGIL_DATABASE_URL: 'postgres://u:secret@127.0.0.1:5432/vigil' });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 3000, loginFreeFailuresPerAccountAddress: 5, trustedProxies: [], cookieSecure: false, reauthWindowMs: 600_000 });
    expect(JSON.stringify(c.describe())).not.toContain('secret');
  });

  it('lists every problem at once', () => {
    try {
      new ApiConfig({ VIGIL_API_PORT: 'x', VIGIL_SESSION_IDLE_TIMEOUT: '2d', VIGIL_SESSION_MAX_AGE: '1h' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('VIGIL_DATABASE_URL is required');
      expect(problems).toContain('VIGIL_API_PORT');
      expect(problems).toContain('VIGIL_SESSION_IDLE_TIMEOUT must not exceed');
    }
  });

  it('takes trusted proxies as addresses or CIDRs and refuses anything else, and the old all-trusting switch', () => {
    const ok = new ApiConfig({ VIGIL_DATABASE_URL: 'postgres://u@h/d', VIGIL_TRUSTED_PROXIES: '172.30.66.2, 10.0.0.0/8,::1' });
    expect(ok.trustedProxies).toEqual(['172.30.66.2', '10.0.0.0/8', '::1']);
    try {
      new ApiConfig({ VIGIL_DATABASE_URL: 'postgres://u@h/d', VIGIL_TRUSTED_PROXIES: 'caddy,10.0.0.0/40', VIGIL_API_TRUST_PROXY: 'true', VIGIL_LOGIN_LOCKOUT: '15m' });
      expect.unreachable();
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('"caddy" is not an IP address');
      expect(problems).toContain('"10.0.0.0/40" is not an IP address');
      expect(problems).toContain('VIGIL_API_TRUST_PROXY is gone');
      expect(problems).toContain('VIGIL_LOGIN_LOCKOUT is gone');
    }
  });

  it('reads the TOTP key from an owner-only file or a variable (32 bytes, base64) and refuses anything else', () => {
    const db = { VIGIL_DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/vigil' };
    const key = randomBytes(32).toString('base64');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-totp-key-'));
    const ok = join(dir, 'ok');
    writeFileSync(ok, `${key}\n`, { mode: 0o600 });
    expect(new ApiConfig({ ...db, VIGIL_TOTP_KEY_FILE: ok }).totpKey?.toString('base64')).toBe(key);
    expect(new ApiConfig({ ...db, VIGIL_TOTP_KEY: key }).totpKey?.length).toBe(32);
    expect(new ApiConfig(db).totpKey).toBeUndefined();
    const open = join(dir, 'open');
    writeFileSync(open, key, { mode: 0o644 });
    const problems = (env: Record<string, string>): string[] => {
      try {
        new ApiConfig({ ...db, ...env });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ VIGIL_TOTP_KEY_FILE: open })).toEqual([`VIGIL_TOTP_KEY_FILE: ${open} is readable by others (mode 0644): chmod 600 it`]);
    expect(problems({ VIGIL_TOTP_KEY: randomBytes(16).toString('base64') })[0]).toMatch(/^VIGIL_TOTP_KEY: base64 of 32 random bytes expected .* got 16 bytes$/);
    expect(problems({ VIGIL_TOTP_KEY: key, VIGIL_TOTP_KEY_FILE: ok })).toEqual(['VIGIL_TOTP_KEY_FILE and VIGIL_TOTP_KEY: set one, not both']);
    expect(problems({ VIGIL_TOTP_KEY_FILE: join(dir, 'missing') })[0]).toMatch(/cannot read .*missing: ENOENT/);
  });
});
