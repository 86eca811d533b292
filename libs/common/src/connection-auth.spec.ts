import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvReader } from './config';
import { describeConnectionAuth, readConnectionAuth } from './connection-auth';

const read = (env: Record<string, string>) => {
  const r = new EnvReader(env);
  const auth = readConnectionAuth(r);
  return { auth, problems: r.problems };
};

describe('readConnectionAuth', () => {
  it('is all off without variables (PLAINTEXT, no registry auth)', () => {
    expect(read({})).toEqual({ auth: { kafkaSasl: undefined, kafkaTls: false, registryAuth: undefined }, problems: [] });
  });

  it('reads SCRAM credentials, a CA file and registry basic auth, and masks them when described', () => {
    const ca = join(mkdtempSync(join(tmpdir(), 'vigil-ca-')), 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    const { auth, problems } = read({ VIGIL_KAFKA_USERNAME: 'gateway', VIGIL_KAFKA_PASSWORD: 's3cret', VIGIL_KAFKA_TLS_CA: ca, VIGIL_SCHEMA_REGISTRY_USERNAME: 'gw', VIGIL_SCHEMA_REGISTRY_PASSWORD: 'r3g' });
    expect(problems).toEqual([]);
    expect(auth.kafkaSasl).toEqual({ mechanism: 'scram-sha-512', username: 'gateway', password: 's3cret' });
    expect(auth.kafkaTls).toEqual({ ca: expect.stringContaining('BEGIN CERTIFICATE') });
    expect(auth.registryAuth).toEqual({ username: 'gw', password: 'r3g' });
    const described = JSON.stringify(describeConnectionAuth(auth));
    expect(described).not.toMatch(/s3cret|r3g|BEGIN/);
    expect(described).toContain('gateway');
  });

  it('lists every problem: half a pair, an unknown mechanism, an unreadable CA', () => {
    const { problems } = read({ VIGIL_KAFKA_USERNAME: 'gateway', VIGIL_KAFKA_SASL_MECHANISM: 'plain', VIGIL_KAFKA_TLS_CA: '/nonexistent/ca.pem', VIGIL_SCHEMA_REGISTRY_PASSWORD: 'x' });
    expect(problems).toEqual([
      'VIGIL_KAFKA_SASL_MECHANISM: scram-sha-512 or scram-sha-256, got "plain"',
      'VIGIL_KAFKA_USERNAME and VIGIL_KAFKA_PASSWORD must be set together',
      'VIGIL_KAFKA_TLS_CA: cannot read /nonexistent/ca.pem: ENOENT',
      'VIGIL_SCHEMA_REGISTRY_USERNAME and VIGIL_SCHEMA_REGISTRY_PASSWORD must be set together',
    ]);
  });

  it('reads passwords from _FILE variables (0600 files of ./vigil up) and refuses both forms at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-pw-'));
    writeFileSync(join(dir, 'kafka'), 'k-pass\n', { mode: 0o600 });
    writeFileSync(join(dir, 'registry'), 'r-pass', { mode: 0o600 });
    const ok = read({ VIGIL_KAFKA_USERNAME: 'gateway', VIGIL_KAFKA_PASSWORD_FILE: join(dir, 'kafka'), VIGIL_SCHEMA_REGISTRY_USERNAME: 'gateway', VIGIL_SCHEMA_REGISTRY_PASSWORD_FILE: join(dir, 'registry') });
    expect(ok.problems).toEqual([]);
    expect(ok.auth.kafkaSasl).toMatchObject({ username: 'gateway', password: 'k-pass' });
    expect(ok.auth.registryAuth).toEqual({ username: 'gateway', password: 'r-pass' });
    const both = read({ VIGIL_KAFKA_USERNAME: 'gateway', VIGIL_KAFKA_PASSWORD: 'x', VIGIL_KAFKA_PASSWORD_FILE: join(dir, 'kafka') });
    expect(both.problems).toContain('VIGIL_KAFKA_PASSWORD and VIGIL_KAFKA_PASSWORD_FILE: set one, not both');
    const missing = read({ VIGIL_KAFKA_USERNAME: 'gateway', VIGIL_KAFKA_PASSWORD_FILE: join(dir, 'nope') });
    expect(missing.problems[0]).toBe(`VIGIL_KAFKA_PASSWORD_FILE: cannot read ${join(dir, 'nope')}: ENOENT`);
  });
});
