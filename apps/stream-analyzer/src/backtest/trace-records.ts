/**
 * What a recorded call says beyond its name, for the layouts that record arguments (strace, LID-DS,
 * sysdig): the file it opened, the program it executed, the peer it reached, the process it forked.
 * These become the records the agent would have sent for the process (files, execs, network,
 * security), so a trace backtest judges a recording with everything the live engine uses, not its
 * call names alone.
 * Pure functions over one call's text.
 */
import { OPEN_FLAGS } from '../detection/rules/matchers';
import type { AddressFamily, NetOpKind } from '../detection/telemetry';

/** An open, exec or network call of a traced process, at the index of its call in the process's calls. */
export type TraceRecord =
  | { kind: 'open'; at: number; path: string; flags: number; ret: number }
  | { kind: 'exec'; at: number; filename: string; argv: string[]; ret: number }
  | { kind: 'net'; at: number; op: NetOpKind; family: AddressFamily; addr: string; port: number; ret: number }
  /** A security-relevant call, with the kind and details the agent gives it (SecurityEvent). */
  | { kind: 'security'; at: number; event: string; args: Record<string, string>; ret: number };

/** What a call tells about processes: a child process it created (fork, vfork, clone), or a thread (clone with CLONE_THREAD). */
export type TraceHint = { kind: 'child'; child: string } | { kind: 'thread'; tid: string };

/** The flags creat(2) opens with. */
const CREAT_FLAGS = OPEN_FLAGS.O_WRONLY! | OPEN_FLAGS.O_CREAT! | OPEN_FLAGS.O_TRUNC!;

/** Open flags from their names (`O_WRONLY|O_CREAT|O_TRUNC`, or sysdig's `4097(O_RDONLY|O_CLOEXEC)`) or a number. */
export function openFlags(text: string): number {
  return named(flagNames(text), OPEN_FLAGS);
}

/** Flags as strace prints them, from sysdig's `4097(O_RDONLY|O_CLOEXEC)` too: the names in its parentheses. */
function flagNames(text: string | undefined): string | undefined {
  return (text && /\(([^)]*)\)\s*$/.exec(text)?.[1]) ?? text;
}

/** Splits an argument list at its top-level commas (not inside quotes, brackets, braces or parentheses). */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '[' || c === '{' || c === '(') depth++;
    else if (c === ']' || c === '}' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(from, i).trim());
      from = i + 1;
    }
  }
  const last = s.slice(from).trim();
  if (last || out.length) out.push(last);
  return out;
}

/** The value of a C string as strace prints it (`"a\"b\n\x41"`, maybe cut with `...`); null when the text is not a string. */
export function cString(text: string | undefined): string | null {
  if (!text) return null;
  const m = /^"((?:[^"\\]|\\.)*)"/.exec(text.trim());
  if (!m) return null;
  const bytes: number[] = [];
  const s = m[1]!;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = s[++i]!;
    if (n === 'x') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(n)) {
      let j = i;
      while (j < i + 3 && /[0-7]/.test(s[j] ?? '')) j++;
      bytes.push(parseInt(s.slice(i, j), 8) & 0xff);
      i = j - 1;
    } else bytes.push(({ n: 10, t: 9, r: 13, v: 11, f: 12, a: 7, b: 8, e: 27 } as Record<string, number>)[n] ?? n.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The strings of a strace array (`["sh", "-c", "id"]`, maybe ending `...`). */
function cStringArray(text: string | undefined): string[] {
  const inner = /^\[(.*)\]$/s.exec(text?.trim() ?? '')?.[1];
  if (inner === undefined) return [];
  return splitArgs(inner)
    .map(cString)
    .filter((s): s is string => s !== null);
}

/** A path that `-y`/`-yy` printed after a descriptor (`3</etc>`), or null. */
function fdPath(text: string | undefined): string | null {
  return /^-?\d+<(.*)>$/.exec(text?.trim() ?? '')?.[1] ?? null;
}

/** Joins a relative path to the directory it is relative to, when known. */
function resolve(path: string, dir: string | null): string {
  if (path.startsWith('/') || !dir) return path;
  return `${dir.replace(/\/+$/, '')}/${path}`;
}

/** The result of a strace line (`= 3`, `= 3</etc/passwd>`, `= -1 ENOENT (…)`, `= 0x7f…`); NaN when it has none (`= ?`). */
export function straceReturn(text: string): number {
  const m = /^\s*(-?(?:0x[0-9a-f]+|\d+))/i.exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

/** A sockaddr as strace prints it. */
function straceAddress(text: string | undefined): { family: AddressFamily; addr: string; port: number } | null {
  if (!text) return null;
  const family = /sa_family=(AF_\w+)/.exec(text)?.[1];
  if (family === 'AF_INET') {
    const addr = /inet_addr\("([^"]*)"\)/.exec(text)?.[1] ?? '';
    return { family: 'INET', addr, port: Number(/sin_port=htons\((\d+)\)/.exec(text)?.[1] ?? 0) };
  }
  if (family === 'AF_INET6') {
    const addr = /inet_pton\(AF_INET6,\s*"([^"]*)"/.exec(text)?.[1] ?? '';
    return { family: 'INET6', addr, port: Number(/sin6_port=htons\((\d+)\)/.exec(text)?.[1] ?? 0) };
  }
  if (family === 'AF_UNIX') {
    const m = /sun_path=(@?)("(?:[^"\\]|\\.)*")/.exec(text);
    return { family: 'UNIX', addr: m ? `${m[1]}${cString(m[2]) ?? ''}` : '', port: 0 };
  }
  return family ? { family: 'OTHER', addr: '', port: 0 } : null;
}

/** Per process, what earlier calls said that a later one needs: the working directory, the address bound to each socket, each connected socket's peer. */
export interface CallState {
  cwd: string | null;
  bound: Map<string, { family: AddressFamily; addr: string; port: number }>;
  peers: Map<string, string>;
}

export function newCallState(cwd: string | null = null): CallState {
  return { cwd, bound: new Map(), peers: new Map() };
}

/** ptrace requests by name (x86-64), as the agent sends their numbers. */
const PTRACE: Record<string, number> = {
  PTRACE_TRACEME: 0,
  PTRACE_PEEKTEXT: 1,
  PTRACE_PEEKDATA: 2,
  PTRACE_PEEKUSER: 3,
  PTRACE_POKETEXT: 4,
  PTRACE_POKEDATA: 5,
  PTRACE_POKEUSER: 6,
  PTRACE_CONT: 7,
  PTRACE_KILL: 8,
  PTRACE_SINGLESTEP: 9,
  PTRACE_GETREGS: 12,
  PTRACE_SETREGS: 13,
  PTRACE_ATTACH: 16,
  PTRACE_DETACH: 17,
  PTRACE_SYSCALL: 24,
  PTRACE_SETOPTIONS: 0x4200,
  PTRACE_GETEVENTMSG: 0x4201,
  PTRACE_GETSIGINFO: 0x4202,
  PTRACE_SEIZE: 0x4206,
  PTRACE_INTERRUPT: 0x4207,
};

const PROT: Record<string, number> = { PROT_NONE: 0, PROT_READ: 1, PROT_WRITE: 2, PROT_EXEC: 4 };

/** A number strace printed by name (`PROT_READ|PROT_EXEC`, `MFD_CLOEXEC`) or as a number (decimal, 0x, leading-0 octal). */
function named(text: string | undefined, names: Record<string, number>): number {
  let n = 0;
  for (const part of (text ?? '0').split('|')) {
    const t = part.trim();
    if (t in names) n |= names[t]!;
    else if (/^0x[0-9a-f]+$/i.test(t)) n |= parseInt(t, 16);
    else if (/^0[0-7]+$/.test(t)) n |= parseInt(t, 8);
    else if (/^\d+$/.test(t)) n |= Number(t);
  }
  return n;
}

/** socket(2)'s names as strace prints them: families, types (flags included), protocols. */
const SOCKET_NAMES: Record<string, number> = {
  ...{ AF_UNIX: 1, AF_LOCAL: 1, AF_INET: 2, AF_INET6: 10, AF_NETLINK: 16, AF_PACKET: 17, PF_UNIX: 1, PF_INET: 2, PF_INET6: 10, PF_NETLINK: 16, PF_PACKET: 17 },
  ...{ SOCK_STREAM: 1, SOCK_DGRAM: 2, SOCK_RAW: 3, SOCK_RDM: 4, SOCK_SEQPACKET: 5, SOCK_PACKET: 10, SOCK_NONBLOCK: 0o4000, SOCK_CLOEXEC: 0o2000000 },
  ...{ IPPROTO_IP: 0, IPPROTO_ICMP: 1, IPPROTO_TCP: 6, IPPROTO_UDP: 17, IPPROTO_ICMPV6: 58, IPPROTO_RAW: 255 },
};
const ETH_P: Record<string, number> = { ETH_P_ALL: 3, ETH_P_IP: 0x800, ETH_P_ARP: 0x806, ETH_P_IPV6: 0x86dd };

/** A socket protocol as the caller passed it: strace's `htons(ETH_P_ALL)` is 768. */
function socketProtocol(text: string | undefined): number {
  const m = /^htons\((\w+)\)$/.exec((text ?? '').trim());
  if (!m) return named(text, SOCKET_NAMES);
  const v = named(m[1], ETH_P);
  return ((v & 0xff) << 8) | ((v >> 8) & 0xff);
}

/**
 * A mode as the agent prints it: octal digits of its low 16 bits, from strace's `S_IFREG|04755` or
 * sysdig's `0755`, `493` or `493(S_IRUSR|…)`.
 */
function mode(text: string | undefined): string {
  const t = (text ?? '0').replace(/\(.*$/, '').split('|').pop()!.trim();
  const n = /^0[0-7]*$/.test(t) ? parseInt(t, 8) : Number(t);
  return (Number.isFinite(n) ? n & 0o177777 : 0).toString(8);
}

/** The security record of a strace call the agent sends as one (SecurityEvent: kind and details), or null. */
function straceSecurity(name: string, a: string[], ret: number, state: CallState): { event: string; args: Record<string, string> } | null {
  const path = (i: number, dirfd?: number): string => {
    const p = cString(a[i]) ?? '';
    const dir = dirfd !== undefined && a[dirfd] && !a[dirfd]!.startsWith('AT_FDCWD') ? fdPath(a[dirfd]) : state.cwd;
    return resolve(p, dir);
  };
  switch (name) {
    case 'unlink':
      return { event: 'unlink', args: { path: path(0) } };
    case 'unlinkat':
      return { event: 'unlink', args: { path: path(1, 0) } };
    case 'rename':
      return { event: 'rename', args: { from: path(0), to: path(1) } };
    case 'renameat':
    case 'renameat2':
      return { event: 'rename', args: { from: path(1, 0), to: path(3, 2) } };
    case 'chmod':
      return { event: 'chmod', args: { path: path(0), mode: mode(a[1]) } };
    case 'fchmodat':
      return { event: 'chmod', args: { path: path(1, 0), mode: mode(a[2]) } };
    case 'symlink':
      return { event: 'symlink', args: { target: cString(a[0]) ?? '', path: path(1) } };
    case 'symlinkat':
      return { event: 'symlink', args: { target: cString(a[0]) ?? '', path: path(2, 1) } };
    case 'link':
      return { event: 'link', args: { target: path(0), path: path(1) } };
    case 'linkat':
      return { event: 'link', args: { target: path(1, 0), path: path(3, 2) } };
    case 'mkdir':
      return { event: 'mkdir', args: { path: path(0), mode: mode(a[1]) } };
    case 'mkdirat':
      return { event: 'mkdir', args: { path: path(1, 0), mode: mode(a[2]) } };
    case 'utimensat':
      return cString(a[1]) === null ? null : { event: 'utimes', args: { path: path(1, 0) } };
    case 'utimes':
    case 'utime':
      return { event: 'utimes', args: { path: path(0) } };
    case 'ptrace':
      return { event: 'ptrace', args: { request: String(named(a[0], PTRACE)), target_pid: String(Number(a[1] ?? 0) || 0) } };
    case 'memfd_create':
      return { event: 'memfd_create', args: { name: cString(a[0]) ?? '', flags: String(named(a[1], { MFD_CLOEXEC: 1, MFD_ALLOW_SEALING: 2, MFD_HUGETLB: 4 })) } };
    case 'mprotect': {
      const prot = named(a[2], PROT);
      return prot & PROT.PROT_EXEC! ? { event: 'mprotect_exec', args: { addr: a[0] ?? '0', len: String(Number(a[1] ?? 0)), prot: String(prot) } } : null;
    }
    case 'init_module':
      return { event: 'init_module', args: { len: String(Number(a[1] ?? 0)), params: cString(a[2]) ?? '' } };
    case 'finit_module':
      return { event: 'finit_module', args: { fd: String(parseInt(a[0] ?? '0', 10)), params: cString(a[1]) ?? '', flags: String(named(a[2], {})) } };
    case 'mount':
      return { event: 'mount', args: { source: cString(a[0]) ?? '', target: path(1), fstype: cString(a[2]) ?? '', flags: `0x${named(a[3], { MS_RDONLY: 1, MS_NOSUID: 2, MS_NODEV: 4, MS_NOEXEC: 8, MS_REMOUNT: 32, MS_BIND: 4096, MS_MOVE: 8192, MS_REC: 16384 }).toString(16)}` } };
    case 'setuid':
    case 'setgid':
    case 'setreuid':
    case 'setregid':
    case 'setresuid':
    case 'setresgid': {
      const n = name.startsWith('setres') ? 3 : name.startsWith('setre') ? 2 : 1;
      return { event: name, args: Object.fromEntries(a.slice(0, n).map((v, i) => [`arg${i}`, String(Number(v) | 0)])) };
    }
    case 'socket': {
      // as the kernel side records it: a successful AF_PACKET socket, or SOCK_RAW / SOCK_PACKET in any other family but netlink
      const family = named(a[0], SOCKET_NAMES);
      const type = named(a[1], SOCKET_NAMES) & 0xf;
      const raw = family === SOCKET_NAMES.AF_PACKET || (family !== SOCKET_NAMES.AF_NETLINK && (type === SOCKET_NAMES.SOCK_RAW || type === SOCKET_NAMES.SOCK_PACKET));
      return raw && ret >= 0 ? { event: 'raw_socket', args: { family: String(family), type: String(type), protocol: String(socketProtocol(a[2])) } } : null;
    }
    case 'dup2':
    case 'dup3': {
      // a socket made a process's standard input or output: a shell served over the network
      const peer = state.peers.get((a[0] ?? '').replace(/<.*$/, ''));
      const to = Number(a[1]);
      return peer !== undefined && to >= 0 && to <= 2 && ret === to ? { event: 'stdio_socket', args: { peer, fds: String(to) } } : null;
    }
    default:
      return null;
  }
}

/**
 * The record and hint of one complete strace call (`name`, its argument text and the text after
 * ` = `), made at call index `at`.
 */
export function straceCall(name: string, args: string, result: string, at: number, state: CallState): { record?: TraceRecord; hint?: TraceHint } {
  const ret = straceReturn(result);
  const a = splitArgs(args);
  const sec = Number.isNaN(ret) ? null : straceSecurity(name, a, ret, state);
  if (sec) return { record: { kind: 'security', at, event: sec.event, args: sec.args, ret } };
  switch (name) {
    case 'open':
    case 'openat':
    case 'openat2':
    case 'creat': {
      const withDir = name !== 'open' && name !== 'creat';
      const path = cString(a[withDir ? 1 : 0]);
      if (path === null || Number.isNaN(ret)) return {};
      const dir = withDir && !(a[0] ?? '').startsWith('AT_FDCWD') ? fdPath(a[0]) : state.cwd;
      const flags = name === 'creat' ? CREAT_FLAGS : openFlags(name === 'openat2' ? (/flags=([A-Z_|]+|\d+)/.exec(a[2] ?? '')?.[1] ?? '0') : (a[withDir ? 2 : 1] ?? '0'));
      return { record: { kind: 'open', at, path: fdPath(result.trim()) ?? resolve(path, dir), flags, ret } };
    }
    case 'execve':
    case 'execveat': {
      const at0 = name === 'execveat' ? 1 : 0;
      const filename = cString(a[at0]);
      if (filename === null) return {};
      // a successful execve returns nothing strace can print after the image is replaced: `= 0`
      return { record: { kind: 'exec', at, filename: resolve(filename, state.cwd), argv: cStringArray(a[at0 + 1]), ret: Number.isNaN(ret) ? 0 : ret } };
    }
    case 'connect':
    case 'bind': {
      const sa = straceAddress(a[1]);
      if (!sa || Number.isNaN(ret)) return {};
      if (name === 'bind' && ret === 0) state.bound.set(a[0] ?? '', sa);
      if (name === 'connect' && sa.family !== 'OTHER' && (ret === 0 || /EINPROGRESS/.test(result))) state.peers.set((a[0] ?? '').replace(/<.*$/, ''), sa.family === 'UNIX' ? sa.addr : `${sa.addr}:${sa.port}`);
      return { record: { kind: 'net', at, op: name === 'connect' ? 'CONNECT' : 'BIND', ...sa, ret } };
    }
    case 'listen': {
      const sa = state.bound.get(a[0] ?? '') ?? { family: 'INET' as const, addr: '0.0.0.0', port: 0 };
      return Number.isNaN(ret) ? {} : { record: { kind: 'net', at, op: 'LISTEN', ...sa, ret } };
    }
    case 'accept':
    case 'accept4': {
      const sa = straceAddress(a[1]);
      if (!sa || Number.isNaN(ret)) return {};
      if (ret >= 0) state.peers.set(String(ret), sa.family === 'UNIX' ? sa.addr : `${sa.addr}:${sa.port}`);
      return { record: { kind: 'net', at, op: 'ACCEPT', ...sa, ret } };
    }
    case 'fork':
    case 'vfork':
    case 'clone':
    case 'clone3':
      // a thread shares its process (CLONE_THREAD): not a child process
      if (ret > 0) return { hint: /CLONE_THREAD/.test(args) ? { kind: 'thread', tid: String(ret) } : { kind: 'child', child: String(ret) } };
      return {};
    case 'chdir': {
      const dir = cString(a[0]);
      if (dir !== null && ret === 0) state.cwd = resolve(dir, state.cwd);
      return {};
    }
    default:
      return {};
  }
}

/** The `key=value` parameters of a sysdig-style event (LID-DS, sysdig); a value runs to the next space. */
export function sysdigParams(fields: readonly string[], from: number): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = from; i < fields.length; i++) {
    const f = fields[i]!;
    const eq = f.indexOf('=');
    if (eq > 0) out.set(f.slice(0, eq), f.slice(eq + 1));
  }
  return out;
}

/** `3(<f>/etc/passwd)` → 3 and `/etc/passwd`; `-2(ENOENT)` → -2. */
function sysdigFd(text: string | undefined): { fd: number; path: string | null; tuple: string | null } {
  const m = /^(-?\d+)(?:\(<(\w+)>(.*)\))?/.exec(text ?? '');
  if (!m) return { fd: Number.NaN, path: null, tuple: null };
  const type = m[2];
  return { fd: Number(m[1]), path: type === 'f' || type === 'd' ? (m[3] ?? null) : null, tuple: type === '4t' || type === '4u' || type === '6t' || type === '6u' ? (m[3] ?? null) : null };
}

/** `1.2.3.4:5678->5.6.7.8:80` → both ends. */
function sysdigTuple(text: string | null | undefined): { from: { addr: string; port: number }; to: { addr: string; port: number } } | null {
  const m = /^(.*):(\d+)->(.*):(\d+)$/.exec(text ?? '');
  if (!m) return null;
  return { from: { addr: m[1]!, port: Number(m[2]) }, to: { addr: m[3]!, port: Number(m[4]) } };
}

function family(addr: string): AddressFamily {
  return addr.includes(':') ? 'INET6' : 'INET';
}

/** A path parameter as sysdig prints it: `x(/tmp/x)` (relative, with its resolution) or `/tmp/x`. */
function sysdigPath(text: string | undefined, cwd: string | null): string | null {
  if (!text) return null;
  const resolved = /\((\/.*)\)$/.exec(text)?.[1];
  return resolved ?? resolve(text, cwd);
}

/** The security record of a sysdig-style call the agent sends as one (SecurityEvent), or null. */
function sysdigSecurity(name: string, get: (...keys: string[]) => string | undefined, cwd: string | null): { event: string; args: Record<string, string> } | null {
  const path = (...keys: string[]): string => sysdigPath(get(...keys), cwd) ?? '';
  switch (name) {
    case 'unlink':
    case 'unlinkat':
    case 'rmdir':
      return { event: 'unlink', args: { path: path('path', 'name') } };
    case 'rename':
    case 'renameat':
    case 'renameat2':
      return { event: 'rename', args: { from: path('oldpath'), to: path('newpath') } };
    case 'chmod':
    case 'fchmodat':
      return { event: 'chmod', args: { path: path('filename', 'path', 'name'), mode: mode(get('mode')) } };
    case 'symlink':
    case 'symlinkat':
      return { event: 'symlink', args: { target: get('target') ?? '', path: path('linkpath') } };
    case 'link':
    case 'linkat':
      return { event: 'link', args: { target: path('oldpath'), path: path('newpath') } };
    case 'mkdir':
    case 'mkdirat':
      return { event: 'mkdir', args: { path: path('path', 'name'), mode: mode(get('mode')) } };
    case 'ptrace': {
      const request = get('request') ?? '0';
      const named = /\((PTRACE_\w+)\)/.exec(request)?.[1];
      return { event: 'ptrace', args: { request: String(named ? (PTRACE[named] ?? 0) : Number(request.replace(/\(.*$/, '')) || 0), target_pid: String(Number(get('pid') ?? 0) || 0) } };
    }
    case 'setuid':
    case 'setgid':
      return { event: name, args: { arg0: String(parseInt(get('uid', 'gid') ?? '0', 10) | 0) } };
    case 'setresuid':
    case 'setresgid': {
      const k = name === 'setresuid' ? 'uid' : 'gid';
      const id = (x: string): string => String(parseInt(get(x) ?? '-1', 10) | 0);
      return { event: name, args: { arg0: id(`r${k}`), arg1: id(`e${k}`), arg2: id(`s${k}`) } };
    }
    case 'memfd_create':
      return { event: 'memfd_create', args: { name: get('name') ?? '', flags: String(Number((get('flags') ?? '0').replace(/\(.*$/, '')) || 0) } };
    case 'mprotect': {
      const prot = named(flagNames(get('prot')), PROT);
      return prot & PROT.PROT_EXEC! ? { event: 'mprotect_exec', args: { addr: get('addr') ?? '0', len: get('length', 'len') ?? '0', prot: String(prot) } } : null;
    }
    case 'mount':
      return { event: 'mount', args: { source: get('dev', 'source') ?? '', target: path('dir', 'target'), fstype: get('type', 'fstype') ?? '', flags: `0x${(Number((get('flags') ?? '0').replace(/\(.*$/, '')) || 0).toString(16)}` } };
    default:
      return null;
  }
}

/**
 * The record and hint of one sysdig-style call: `enter` holds the parameters of its enter event
 * (`>`), `exit` those of its exit event (`<`); `at` is the call's index (its enter).
 */
export function sysdigCall(name: string, enter: Map<string, string>, exit: Map<string, string>, at: number, state: CallState): { record?: TraceRecord; hint?: TraceHint } {
  const get = (...keys: string[]): string | undefined => {
    for (const k of keys) {
      const v = exit.get(k) ?? enter.get(k);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const sec = sysdigSecurity(name, get, state.cwd);
  if (sec) return { record: { kind: 'security', at, event: sec.event, args: sec.args, ret: parseInt(exit.get('res') ?? '0', 10) || 0 } };
  switch (name) {
    case 'open':
    case 'openat':
    case 'openat2':
    case 'creat': {
      const fd = sysdigFd(exit.get('fd') ?? exit.get('res'));
      const given = get('name') ?? get('path');
      if (Number.isNaN(fd.fd) || (!given && !fd.path)) return {};
      // sysdig prints a relative name with its resolution: `name=shadow(/etc/shadow)`
      const named = given ? (/\((\/.*)\)$/.exec(given)?.[1] ?? given) : null;
      const path = fd.path ?? resolve(named!, state.cwd);
      const flags = name === 'creat' ? CREAT_FLAGS : openFlags(get('flags') ?? '0');
      return { record: { kind: 'open', at, path, flags, ret: fd.fd } };
    }
    case 'execve':
    case 'execveat': {
      const ret = Number(exit.get('res') ?? 0);
      const exe = get('exe') ?? '';
      const filename = enter.get('filename') ?? get('filename') ?? exe;
      if (!filename) return {};
      // sysdig prints argv[1..] joined by NULs, shown as dots
      const rest = (get('args') ?? '').split('.').filter((x, i, all) => x !== '' || i < all.length - 1);
      return { record: { kind: 'exec', at, filename: resolve(filename, state.cwd), argv: [exe || filename, ...rest], ret: Number.isNaN(ret) ? 0 : ret } };
    }
    case 'connect': {
      const t = sysdigTuple(exit.get('tuple') ?? sysdigFd(enter.get('fd')).tuple);
      const ret = Number(exit.get('res') ?? 0);
      if (!t) return {};
      return { record: { kind: 'net', at, op: 'CONNECT', family: family(t.to.addr), addr: t.to.addr, port: t.to.port, ret } };
    }
    case 'accept':
    case 'accept4': {
      const fd = sysdigFd(exit.get('fd'));
      const t = sysdigTuple(exit.get('tuple') ?? fd.tuple);
      if (!t) return {};
      return { record: { kind: 'net', at, op: 'ACCEPT', family: family(t.from.addr), addr: t.from.addr, port: t.from.port, ret: fd.fd } };
    }
    case 'bind': {
      const m = /^(.*):(\d+)$/.exec(get('addr') ?? '');
      const ret = Number(exit.get('res') ?? 0);
      if (!m) return {};
      const sa = { family: family(m[1]!), addr: m[1]!, port: Number(m[2]) };
      if (ret === 0 && enter.get('fd')) state.bound.set(sysdigFd(enter.get('fd')).fd.toString(), sa);
      return { record: { kind: 'net', at, op: 'BIND', ...sa, ret } };
    }
    case 'listen': {
      const sa = state.bound.get(sysdigFd(enter.get('fd')).fd.toString()) ?? { family: 'INET' as const, addr: '0.0.0.0', port: 0 };
      return { record: { kind: 'net', at, op: 'LISTEN', ...sa, ret: Number(exit.get('res') ?? 0) } };
    }
    case 'fork':
    case 'vfork':
    case 'clone':
    case 'clone3': {
      const res = Number(exit.get('res'));
      if (res > 0) return { hint: /CLONE_THREAD/.test(get('flags') ?? '') ? { kind: 'thread', tid: String(res) } : { kind: 'child', child: String(res) } };
      return {};
    }
    case 'chdir': {
      const dir = get('path');
      if (dir && Number(exit.get('res')) === 0) state.cwd = resolve(/\((\/.*)\)$/.exec(dir)?.[1] ?? dir, state.cwd);
      return {};
    }
    default:
      return {};
  }
}
