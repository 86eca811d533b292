import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { X86_64_SYSCALLS, syscallName, syscallNumber } from '@vigil/schemas';

const REPO = join(__dirname, '..', '..');
const GENERATED = ['bpf/src/bpf/include/vigil_syscalls.h', 'libs/schemas/src/syscalls-x86-64.generated.ts', 'bpf/src/argument-syscalls.generated.ts'];
/** The libc's numbering, where the machine has it: the table may be ahead of it, never different. */
const UNISTD = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';

describe('x86-64 syscall table (syscalls/x86-64.tbl, argument-records.list → C header and TypeScript)', () => {
  const out = mkdtempSync(join(tmpdir(), 'vigil-syscalls-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('the checked-in generated files are current (run `npm run gen:syscalls -w @vigil/bpf`)', () => {
    execFileSync(process.execPath, [join(REPO, 'bpf', 'scripts', 'gen-syscalls.mjs'), '--out', out]);
    for (const file of GENERATED) {
      expect(readFileSync(join(REPO, file), 'utf8'), `${file} is stale`).toBe(readFileSync(join(out, file), 'utf8'));
    }
  });

  it('C and TypeScript give every call the same number', () => {
    const header = readFileSync(join(REPO, GENERATED[0]!), 'utf8');
    const defines = [...header.matchAll(/^#define NR_(\w+) (\d+)$/gm)].map((m) => [m[1], Number(m[2])]);
    expect(defines.length).toBe(X86_64_SYSCALLS.filter(Boolean).length);
    for (const [name, nr] of defines) expect(syscallNumber(name as string), name as string).toBe(nr);
    expect([syscallNumber('openat'), syscallName(59), syscallName(469), syscallName(400)]).toEqual([257, 'execve', 'file_setattr', 'sys_400']);
    // outside the table (a bogus number, x32, a negative id): one name, which the gateway accepts
    expect([syscallName(511), syscallName(512), syscallName(1500), syscallName(0x40000000 | 1), syscallName(-1)]).toEqual(['sys_511', ...Array(4).fill('sys_out_of_range')]);
  });

  it.runIf(existsSync(UNISTD))('agrees with the system headers wherever they name a call', () => {
    const unistd = [...readFileSync(UNISTD, 'utf8').matchAll(/^#define __NR_(\w+) (\d+)$/gm)];
    expect(unistd.length).toBeGreaterThan(300);
    for (const [, name, nr] of unistd) expect(syscallName(Number(nr)), `__NR_${name}`).toBe(name);
  });
});
