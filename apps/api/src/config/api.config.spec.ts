import { ConfigError } from '@vigil/common';
import { describe, expect, it } from 'vitest';
import { ApiConfig } from './api.config';

describe('ApiConfig', () => {
  it('has loopback defaults and needs only the database URL', () => {
    const c = new ApiConfig({ VIGIL_DATABASE_URL: 'postgres://u:secret@127.0.0.1:5432/vigil' });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 3000, loginMaxFailuresPerAccount: 12, cookieSecure: false });
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
});
