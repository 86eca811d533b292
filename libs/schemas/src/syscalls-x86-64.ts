import { X86_64_SYSCALLS } from './syscalls-x86-64.generated';

/**
 * x86-64 system call names and numbers: the agent sends numbers (syscall counts, k-grams, records)
 * and every process names them the same way. The table is generated from bpf/syscalls/x86-64.tbl,
 * the same table the BPF programs' NR_* defines come from (bpf/scripts/gen-syscalls.mjs). Unknown
 * numbers are reported as `sys_<nr>`.
 */
export { X86_64_SYSCALLS };

/** Numbers the probes and the telemetry contract name one by one (vigil.bpf.h): 0 ≤ nr < 512. */
export const SYSCALL_TABLE_SIZE = 512;

/**
 * The one name of every number outside the table: a negative one, an x32 call (bit 30 set), or a
 * number no kernel implements (`syscall(1500)` fails with ENOSYS, and is still counted). They are
 * counted together under this name, which the gateway accepts: a `sys_<nr>` beyond the table would
 * make it refuse the whole batch, so one process calling a bogus number could blind its host.
 */
export const SYSCALL_OUT_OF_RANGE = 'sys_out_of_range';

/** Name of an x86-64 syscall number (`sys_<nr>` when unknown, {@link SYSCALL_OUT_OF_RANGE} outside the table). */
export function syscallName(nr: number): string {
  if (!Number.isInteger(nr) || nr < 0 || nr >= SYSCALL_TABLE_SIZE) return SYSCALL_OUT_OF_RANGE;
  return X86_64_SYSCALLS[nr] ?? `sys_${nr}`;
}

/** Counts by syscall number as counts by name (numbers outside the table summed under one name). */
export function namedSyscallCounts(counts: Iterable<readonly [number, number]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [nr, n] of counts) {
    const name = syscallName(nr);
    out[name] = (out[name] ?? 0) + n;
  }
  return out;
}

const BY_NAME = new Map<string, number>(X86_64_SYSCALLS.flatMap((n, i) => (n ? [[n, i] as [string, number]] : [])));

/** Number of an x86-64 syscall name (also accepts `sys_<nr>`), undefined when unknown. */
export function syscallNumber(name: string): number | undefined {
  const m = /^sys_(\d+)$/.exec(name);
  return m ? Number(m[1]) : BY_NAME.get(name);
}
