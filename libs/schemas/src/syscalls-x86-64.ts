import { X86_64_SYSCALLS } from './syscalls-x86-64.generated';

/**
 * x86-64 system call names and numbers: the agent sends numbers (syscall counts, k-grams, records)
 * and every process names them the same way. The table is generated from bpf/syscalls/x86-64.tbl,
 * the same table the BPF programs' NR_* defines come from (bpf/scripts/gen-syscalls.mjs). Unknown
 * numbers are reported as `sys_<nr>`.
 */
export { X86_64_SYSCALLS };

/** Name of an x86-64 syscall number (`sys_<nr>` when unknown). */
export function syscallName(nr: number): string {
  return X86_64_SYSCALLS[nr] ?? `sys_${nr}`;
}

const BY_NAME = new Map<string, number>(X86_64_SYSCALLS.flatMap((n, i) => (n ? [[n, i] as [string, number]] : [])));

/** Number of an x86-64 syscall name (also accepts `sys_<nr>`), undefined when unknown. */
export function syscallNumber(name: string): number | undefined {
  const m = /^sys_(\d+)$/.exec(name);
  return m ? Number(m[1]) : BY_NAME.get(name);
}
