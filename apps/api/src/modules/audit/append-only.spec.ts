import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every TypeScript source file of the API except specs and migrations (which own the schema). */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'migrations' ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('the audit log is append-only for the application', () => {
  it('no API code updates, deletes or truncates audit rows (the database grants enforce it too)', () => {
    const src = join(__dirname, '..', '..');
    const files = sources(src);
    expect(files.length).toBeGreaterThan(50);
    const offending = files.filter((f) => /\b(update|delete\s+from|truncate)\s+(table\s+)?("?public"?\.)?"?audit_log\b/i.test(readFileSync(f, 'utf8')));
    expect(offending).toEqual([]);
    // The repository is the only writer and has no update or delete method.
    const repo = readFileSync(join(__dirname, 'audit.repository.ts'), 'utf8');
    expect(repo).toMatch(/\.insert\(/);
    expect(repo).not.toMatch(/\.(update|delete|remove|save|softDelete|clear)\(/);
  });
});
