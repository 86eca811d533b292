import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
