import { EventType, type NetEvent, type PathEvent, type SecurityEvent } from '@vigil/bpf';
import type { RunningExe } from '../collector/collector';
import { namedSyscallCounts, syscallName } from '@vigil/schemas';

/** The network syscalls by name (numbers come from the generated table in @vigil/schemas), as the `type` of a capture line. */
const NET_OPS: Partial<Record<string, 'connect' | 'accept' | 'bind' | 'listen'>> = { connect: 'connect', accept: 'accept', accept4: 'accept', bind: 'bind', listen: 'listen' };

/** connect | accept | bind | listen for a network record. */
export function netOp(ev: NetEvent): 'connect' | 'accept' | 'bind' | 'listen' {
  return NET_OPS[syscallName(ev.nr)] ?? 'connect';
}

/** inet | inet6 | unix | other. */
export function familyName(family: number): 'inet' | 'inet6' | 'unix' | 'other' {
  return family === 2 ? 'inet' : family === 10 ? 'inet6' : family === 1 ? 'unix' : 'other';
}

/** Syscall counts by x86-64 name, largest first. */
export function namedCounts(counts: Map<number, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(namedSyscallCounts([...counts.entries()].filter(([, n]) => n > 0))).sort((a, b) => b[1] - a[1]));
}

/** A kernel security record: argument values (SecurityEvent) or paths (PathEvent). */
export type SecurityRecordEvent = SecurityEvent | PathEvent;

const octal = (mode: bigint): string => (mode & 0o177777n).toString(8);
const hex = (v: bigint): string => `0x${v.toString(16)}`;
const int32 = (v: bigint): string => String(BigInt.asIntN(32, v));
/** setsockopt options of a `socket_filter` record by number (SO_ATTACH_FILTER, SO_ATTACH_BPF). */
const SOCKET_FILTER_OPTIONS: Partial<Record<number, string>> = { 26: 'attach_filter', 50: 'attach_bpf' };

/**
 * Path i of a path record; for a call that named only a descriptor (no path pointer), the
 * descriptor's path as the kernel resolved it, else `fd:N`.
 */
function pathOf(ev: PathEvent, i: 0 | 1, fdArg?: number): string {
  if (fdArg !== undefined && ev.paths[i] === '' && !ev.resolved[i]) return `fd:${int32(ev.args[fdArg]!)}`;
  return ev.paths[i];
}

/** Kinds of path records (libs/schemas/docs/security-events.md). */
function pathDetails(ev: PathEvent): { kind: string; args: Record<string, string> } {
  const a = ev.args;
  const name = syscallName(ev.nr);
  switch (name) {
    case 'execve': // an LD_* variable of a successful exec's environment
      return { kind: 'exec_env', args: { var: ev.str, value: ev.paths[0] } };
    case 'chmod':
      return { kind: 'chmod', args: { path: pathOf(ev, 0), mode: octal(a[1]!) } };
    case 'fchmod':
      return { kind: 'chmod', args: { path: pathOf(ev, 0, 0), mode: octal(a[1]!) } };
    case 'fchmodat':
    case 'fchmodat2':
      return { kind: 'chmod', args: { path: pathOf(ev, 0), mode: octal(a[2]!) } };
    case 'setxattr':
    case 'lsetxattr':
    case 'setxattrat':
      return { kind: 'setxattr', args: { path: pathOf(ev, 0), name: ev.str } };
    case 'fsetxattr':
      return { kind: 'setxattr', args: { path: pathOf(ev, 0, 0), name: ev.str } };
    case 'utime':
    case 'utimes':
      return { kind: 'utimes', args: { path: pathOf(ev, 0) } };
    case 'futimesat':
    case 'utimensat': // a NULL path names the descriptor itself
      return { kind: 'utimes', args: { path: pathOf(ev, 0, a[1] === 0n ? 0 : undefined) } };
    case 'unlink':
    case 'unlinkat':
    case 'rmdir':
      return { kind: 'unlink', args: { path: pathOf(ev, 0) } };
    case 'rename':
    case 'renameat':
    case 'renameat2':
      return { kind: 'rename', args: { from: pathOf(ev, 0), to: pathOf(ev, 1) } };
    case 'link':
    case 'linkat':
      return { kind: 'link', args: { target: pathOf(ev, 0), path: pathOf(ev, 1) } };
    case 'symlink':
    case 'symlinkat':
      return { kind: 'symlink', args: { target: ev.paths[0], path: pathOf(ev, 1) } };
    case 'mkdir':
      return { kind: 'mkdir', args: { path: pathOf(ev, 0), mode: octal(a[1]!) } };
    case 'mkdirat':
      return { kind: 'mkdir', args: { path: pathOf(ev, 0), mode: octal(a[2]!) } };
    case 'mknod':
      return { kind: 'mknod', args: { path: pathOf(ev, 0), mode: octal(a[1]!) } };
    case 'mknodat':
      return { kind: 'mknod', args: { path: pathOf(ev, 0), mode: octal(a[2]!) } };
    case 'truncate':
      return { kind: 'truncate', args: { path: pathOf(ev, 0), length: String(BigInt.asIntN(64, a[1]!)) } };
    case 'ftruncate':
      return { kind: 'truncate', args: { path: pathOf(ev, 0, 0), length: String(BigInt.asIntN(64, a[1]!)) } };
    case 'mount':
      return { kind: 'mount', args: { source: ev.paths[0], target: pathOf(ev, 1), fstype: ev.str, flags: hex(a[3]!) } };
    default:
      return { kind: name, args: {} };
  }
}

/** Kind and details of a security-relevant call (see SecurityEvent in the TelemetryBatch schema). */
export function securityDetails(ev: SecurityRecordEvent): { kind: string; args: Record<string, string> } {
  if (ev.type === EventType.Path) return pathDetails(ev);
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
    case 'prctl': // PR_SET_NAME only (filtered in the kernel)
      return { kind: 'prctl_set_name', args: { name: ev.str } };
    case 'process_vm_writev':
      return { kind: 'process_vm_writev', args: { target_pid: int32(ev.args[0]!) } };
    case 'unshare':
      return { kind: 'unshare', args: { flags: hex(ev.args[0]!) } };
    case 'setns':
      return { kind: 'setns', args: { fd: int32(ev.args[0]!), nstype: hex(ev.args[1]!) } };
    case 'userfaultfd':
      return { kind: 'userfaultfd', args: { flags: a[0]! } };
    case 'socket': // AF_PACKET, or SOCK_RAW / SOCK_PACKET in any family (filtered in the kernel)
      return { kind: 'raw_socket', args: { family: int32(ev.args[0]!), type: String(ev.args[1]! & 0xfn), protocol: int32(ev.args[2]!) } };
    case 'setsockopt': // SOL_SOCKET SO_ATTACH_FILTER / SO_ATTACH_BPF only; args[3..5]: the socket, read by the kernel
      return {
        kind: 'socket_filter',
        args: { option: SOCKET_FILTER_OPTIONS[Number(ev.args[2]! & 0xffffffffn)] ?? a[2]!, fd: int32(ev.args[0]!), family: a[3]!, type: String(ev.args[4]! & 0xfn), protocol: a[5]! },
      };
    default: // setuid family
      return { kind: name, args: Object.fromEntries(a.slice(0, name.startsWith('setres') ? 3 : name.startsWith('setre') ? 2 : 1).map((v, i) => [`arg${i}`, String(BigInt.asIntN(32, BigInt(v)))])) };
  }
}

/**
 * An unlink that succeeded on the executable of a process still running gets `running_pids` (comma
 * separated, at most 8): a program deleting itself after start, or its dropper doing it for it.
 */
export function withRunningExe(d: { kind: string; args: Record<string, string> }, ret: number, running: RunningExe | undefined): { kind: string; args: Record<string, string> } {
  if (d.kind !== 'unlink' || ret !== 0 || !running || !d.args.path) return d;
  const pids = running.runningExe(d.args.path);
  return pids.length > 0 ? { kind: d.kind, args: { ...d.args, running_pids: pids.join(',') } } : d;
}
