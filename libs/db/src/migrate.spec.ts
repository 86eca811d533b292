import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMigrations } from './migrate';

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
