import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateEndpointKey, hashEndpointKey } from './endpoints.repository';
import { readMigrations } from './migrate';

describe('endpoint keys', () => {
  it('are 256-bit random base64url with a prefix, and hash to 32 bytes', () => {
    const a = generateEndpointKey();
    const b = generateEndpointKey();
    expect(a).toMatch(/^vgk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(4), 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(hashEndpointKey(a)).toHaveLength(32);
    expect(hashEndpointKey(a).equals(hashEndpointKey(a))).toBe(true);
    expect(hashEndpointKey(a).equals(hashEndpointKey(b))).toBe(false);
  });
});

describe('migrations folder', () => {
  it('holds only timestamped files, in order', () => {
    const ms = readMigrations();
    expect(ms.length).toBeGreaterThan(0);
    expect(ms.map((m) => m.version)).toEqual([...ms.map((m) => m.version)].sort());
  });

  it('refuses two files with the same version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-mig-'));
    writeFileSync(join(dir, '20260101000000_a.sql'), 'select 1;');
    writeFileSync(join(dir, '20260101000000_b.sql'), 'select 2;');
    expect(() => readMigrations(dir)).toThrow(/share the version 20260101000000/);
  });
});
