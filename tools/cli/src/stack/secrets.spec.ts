import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { writePrivateFile } from './secrets';

describe('writePrivateFile', () => {
  it('leaves the file 0600 whatever the umask, even over an older world-readable file', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vigil-secrets-')), 'secrets.json');
    writeFileSync(path, 'old', { mode: 0o644 });
    const previous = process.umask(0o000);
    try {
      writePrivateFile(path, '{"a":1}');
    } finally {
      process.umask(previous);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}');
  });
});

describe('stackSecrets', () => {
  it('keeps Kafka/registry/TOTP secrets in credentials.json (0600), which a stack shared with older checkouts never loses', async () => {
    const home = mkdtempSync(join(tmpdir(), 'vigil-home-'));
    vi.stubEnv('VIGIL_HOME', home);
    vi.resetModules();
    try {
      const { stackCredentials, stackSecrets } = await import('./secrets');
      stackSecrets();
      expect(existsSync(join(home, 'stack', 'credentials.json'))).toBe(false);
      const first = stackCredentials();
      const dir = join(home, 'stack');
      expect(statSync(join(dir, 'credentials.json')).mode & 0o777).toBe(0o600);
      expect(Object.keys(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8'))).sort()).toEqual(['postgresPassword', 'servicePasswords']);
      // An older checkout rewrites secrets.json with only the keys it knows: nothing of ours changes.
      const db = stackSecrets();
      writeFileSync(join(dir, 'secrets.json'), JSON.stringify(db), { mode: 0o600 });
      expect(stackCredentials()).toEqual(first);
      expect(stackSecrets()).toEqual(db);
      expect(Buffer.from(first.apiTotpKey, 'base64')).toHaveLength(32);
      expect(new Set(Object.values(first.kafka.users)).size).toBe(4);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});
