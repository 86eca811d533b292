import { syscallName, type NetEvent, type SecurityEvent } from '@vigil/bpf';

/** x86-64 numbers of the network syscalls (names for the `type` of a capture line). */
const NET_OPS: Record<number, 'connect' | 'accept' | 'bind' | 'listen'> = { 42: 'connect', 43: 'accept', 288: 'accept', 49: 'bind', 50: 'listen' };

/** connect | accept | bind | listen for a network record. */
export function netOp(ev: NetEvent): 'connect' | 'accept' | 'bind' | 'listen' {
  return NET_OPS[ev.nr] ?? 'connect';
}

/** inet | inet6 | unix | other. */
export function familyName(family: number): 'inet' | 'inet6' | 'unix' | 'other' {
  return family === 2 ? 'inet' : family === 10 ? 'inet6' : family === 1 ? 'unix' : 'other';
}

/** Syscall counts by x86-64 name, largest first. */
export function namedCounts(counts: Map<number, number>): Record<string, number> {
  return Object.fromEntries([...counts.entries()].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([nr, n]) => [syscallName(nr), n]));
}

/** Kind and details of a security-relevant call (see SecurityEvent in the TelemetryBatch schema). */
export function securityDetails(ev: SecurityEvent): { kind: string; args: Record<string, string> } {
  const a = ev.args.map((x) => x.toString());
  const name = syscallName(ev.nr);
  switch (name) {
    case 'ptrace':
      return { kind: 'ptrace', args: { request: a[0]!, target_pid: a[1]! } };
    case 'mprotect':
      return { kind: 'mprotect_exec', args: { addr: `0x${ev.args[0]!.toString(16)}`, len: a[1]!, prot: a[2]! } };
    case 'mmap':
      return { kind: 'mmap_exec', args: { len: a[1]!, prot: a[2]!, flags: a[3]!, fd: String(BigInt.asIntN(32, ev.args[4]!)) } };
    case 'init_module':
      return { kind: 'init_module', args: { len: a[1]!, params: ev.str } };
    case 'finit_module':
      return { kind: 'finit_module', args: { fd: a[0]!, params: ev.str, flags: a[2]! } };
    case 'memfd_create':
      return { kind: 'memfd_create', args: { name: ev.str, flags: a[1]! } };
    default: // setuid family
      return { kind: name, args: Object.fromEntries(a.slice(0, name.startsWith('setres') ? 3 : name.startsWith('setre') ? 2 : 1).map((v, i) => [`arg${i}`, String(BigInt.asIntN(32, BigInt(v)))])) };
  }
}
