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
});
