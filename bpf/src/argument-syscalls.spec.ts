import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { syscallName } from '@vigil/schemas';
import { describe, expect, it } from 'vitest';
import { ElfObject } from '../test/support/elf';
import { ARG_SYSCALLS } from './argument-syscalls.generated';

/**
 * Which calls get argument records, as TypeScript sees them (ARG_SYSCALLS) and as the built object
 * has them: the arg_syscalls bitmap the raw sys_exit fallback tests, and the per-call exit hooks.
 * All three come from syscalls/argument-records.list; here the compiled object is checked.
 */
const OBJECT = join(__dirname, '..', 'dist', 'vigil.bpf.o');
const EXIT_SECTION = 'tracepoint/syscalls/sys_exit_';

describe.runIf(existsSync(OBJECT))('calls with argument records (ARG_SYSCALLS vs. dist/vigil.bpf.o)', () => {
  const elf = existsSync(OBJECT) ? ElfObject.read(OBJECT) : undefined;

  it('the arg_syscalls bitmap has exactly the calls of ARG_SYSCALLS', () => {
    const words = elf!.variable('arg_syscalls');
    expect(words.length).toBe(64);
    const inBitmap: string[] = [];
    for (let nr = 0; nr < 512; nr++) if ((words.readBigUInt64LE((nr >> 6) * 8) >> BigInt(nr & 63)) & 1n) inBitmap.push(syscallName(nr));
    expect(inBitmap.sort()).toEqual([...ARG_SYSCALLS].sort());
  });

  it('one exit hook per call of ARG_SYSCALLS', () => {
    const hooks = elf!.sections.filter((s) => s.name.startsWith(EXIT_SECTION)).map((s) => s.name.slice(EXIT_SECTION.length));
    expect(hooks.sort()).toEqual([...ARG_SYSCALLS].sort());
  });

  it('exit_ni starts empty (user space sets it before load)', () => {
    expect(elf!.variable('exit_ni').equals(Buffer.alloc(64))).toBe(true);
  });
});
