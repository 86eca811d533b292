import { posix } from 'node:path';
import { EventType, LAYOUTS, type StructLayout } from './layout';

/** Fields every record carries. */
export interface EventBase {
  /** Kernel time of the record (ns since boot); absent when decoded with `timestamps: false`. */
  tsNs?: bigint;
  tgid: number;
  tid: number;
}
export interface ForkEvent extends EventBase {
  type: EventType.Fork;
  childTgid: number;
  uid: number;
  gid: number;
  childStartNs: bigint;
  comm: string;
}
export interface ExecEvent extends EventBase {
  type: EventType.Exec;
  ppid: number;
  uid: number;
  gid: number;
  ret: number;
  startNs: bigint;
  comm: string;
  filename: string;
  /** Resolved executable path from the kernel's dentry walk ('' for failed execs). */
  exe: string;
  argv: string[];
}
export interface ExitEvent extends EventBase {
  type: EventType.Exit;
  exitCode: number;
}
export interface OpenEvent extends EventBase {
  type: EventType.Open;
  nr: number;
  dfd: number;
  flags: number;
  mode: number;
  ret: number;
  /**
   * The path opened: as the caller passed it when absolute; a relative one joined to the directory
   * the kernel resolved it against at the call's exit (the cwd for AT_FDCWD, else dfd's file) and
   * lexically normalised ('.', '..', repeated slashes), see `given`. A relative path whose directory
   * could not be walked (too deep, a failed read, a bad dfd) stays as given.
   */
  path: string;
  /** The path as the caller passed it, when `path` is not that (a relative path the kernel resolved); else undefined. */
  given?: string;
  /** How many opens this record stands for (the addon aggregates repeats: ProbeOptions.aggregateOpens); absent = 1. */
  count?: number;
}
export interface NetEvent extends EventBase {
  type: EventType.Net;
  nr: number;
  ret: number;
  fd: number;
  family: number;
  port: number;
  /** Dotted IPv4, IPv6 text, the unix socket path, or '' when unknown. */
  addr: string;
}
export interface SecurityEvent extends EventBase {
  type: EventType.Security;
  nr: number;
  /** 64-bit: mmap returns an address. */
  ret: bigint;
  args: bigint[];
  str: string;
}
/**
 * A security-relevant call on paths (chmod, setxattr, utimes, unlink, rename, link, symlink, mkdir,
 * mknod, truncate, mount families), or an LD_* variable of an exec's environment (nr = execve,
 * str = the variable, paths[0] = its value).
 */
export interface PathEvent extends EventBase {
  type: EventType.Path;
  nr: number;
  ret: bigint;
  args: bigint[];
  /** xattr name, mount fstype or environment variable name ('' when none). */
  str: string;
  /**
   * The call's paths, absolute when the kernel resolved the directory a relative one is relative
   * to (the dfd's or the cwd's; a descriptor alone gives its own path), else as the caller passed
   * them. '' when the call passed none or it could not be read (see `resolved`).
   */
  paths: [string, string];
  /** Whether paths[i] was resolved by the kernel (for a descriptor alone: whether its path is known). */
  resolved: [boolean, boolean];
}
/** A decoded ring-buffer record. */
export type VigilEvent = ForkEvent | ExecEvent | ExitEvent | OpenEvent | NetEvent | SecurityEvent | PathEvent;

const L = (s: string): StructLayout => LAYOUTS[s]!;
const FORK = L('vigil_fork_event').fields;
const EXEC = L('vigil_exec_event').fields;
const EXIT = L('vigil_exit_event').fields;
const OPEN = L('vigil_open_event').fields;
const NET = L('vigil_net_event').fields;
const SEC = L('vigil_security_event').fields;
const PATH = L('vigil_path_event').fields;
const HDR = L('vigil_event_header').fields;
const HDR_SIZE = L('vigil_event_header').size;
const FORK_SIZE = L('vigil_fork_event').size;
const EXEC_SIZE = L('vigil_exec_event').size;
const EXIT_SIZE = L('vigil_exit_event').size;
const NET_SIZE = L('vigil_net_event').size;
const SEC_SIZE = L('vigil_security_event').size;

const off = (fields: Record<string, { offset: number }>, name: string): number => fields[name]!.offset;

// Offsets as constants: a property lookup per field per record was a measurable share of the
// agent's CPU at 200k+ records/s (bench/agent-pipeline).
const H_TYPE = off(HDR, 'type');
const H_TS = off(HDR, 'ts_ns');
const H_TGID = off(HDR, 'tgid');
const H_TID = off(HDR, 'tid');
const FORK_CHILD = off(FORK, 'child_tgid');
const FORK_UID = off(FORK, 'uid');
const FORK_GID = off(FORK, 'gid');
const FORK_START = off(FORK, 'child_start_ns');
const FORK_COMM = off(FORK, 'comm');
const COMM_LEN = FORK.comm!.size;
const EXEC_PPID = off(EXEC, 'ppid');
const EXEC_UID = off(EXEC, 'uid');
const EXEC_GID = off(EXEC, 'gid');
const EXEC_RET = off(EXEC, 'ret');
const EXEC_START = off(EXEC, 'start_ns');
const EXEC_COMM = off(EXEC, 'comm');
const EXEC_FILENAME = off(EXEC, 'filename');
const EXEC_FILENAME_MAX = EXEC.filename!.size;
const EXEC_EXE = off(EXEC, 'exe');
const EXEC_EXE_LEN = off(EXEC, 'exe_len');
const EXEC_EXE_MAX = EXEC.exe!.size;
const EXEC_ARGV = off(EXEC, 'argv');
const EXEC_ARGV_LEN = off(EXEC, 'argv_len');
const EXEC_ARGV_MAX = EXEC.argv!.size;
const EXIT_CODE = off(EXIT, 'exit_code');
const OPEN_NR = off(OPEN, 'nr');
const OPEN_DFD = off(OPEN, 'dfd');
const OPEN_FLAGS = off(OPEN, 'flags');
const OPEN_MODE = off(OPEN, 'mode');
const OPEN_RET = off(OPEN, 'ret');
const OPEN_PATH_LEN = off(OPEN, 'path_len');
const OPEN_DIR_LEN = off(OPEN, 'dir_len');
const OPEN_RESOLVED = off(OPEN, 'resolved');
const OPEN_DATA = off(OPEN, 'data');
const OPEN_DATA_MAX = OPEN.data!.size;
const NET_NR = off(NET, 'nr');
const NET_RET = off(NET, 'ret');
const NET_FD = off(NET, 'fd');
const NET_FAMILY = off(NET, 'family');
const NET_PORT = off(NET, 'port');
const NET_ADDR = off(NET, 'addr');
const NET_UNIX = off(NET, 'unix_path');
const NET_UNIX_MAX = NET.unix_path!.size;
const SEC_NR = off(SEC, 'nr');
const SEC_RET = off(SEC, 'ret');
const SEC_ARGS = off(SEC, 'args');
const SEC_STR = off(SEC, 'str');
const SEC_STR_MAX = SEC.str!.size;
const PATH_NR = off(PATH, 'nr');
const PATH_RESOLVED = off(PATH, 'resolved');
const PATH_RET = off(PATH, 'ret');
const PATH_ARGS = off(PATH, 'args');
const PATH_PATH_LEN = off(PATH, 'path_len');
const PATH_DIR_LEN = off(PATH, 'dir_len');
const PATH_STR = off(PATH, 'str');
const PATH_STR_MAX = PATH.str!.size;
const PATH_DATA = off(PATH, 'data');
const PATH_DATA_MAX = PATH.data!.size;

/** The NUL-terminated string at buf[start, end): up to the first NUL, or all of it. */
function cstr(buf: Buffer, start: number, end: number): string {
  const nul = buf.indexOf(0, start);
  return buf.toString('utf8', start, nul >= 0 && nul < end ? nul : end);
}

/** NUL-separated strings in buf[start, start+len). */
function strList(buf: Buffer, start: number, len: number): string[] {
  if (len <= 0) return [];
  const parts = buf.toString('utf8', start, start + len).split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/**
 * The two paths of a path record: the caller's strings, each joined to the directory the kernel
 * resolved for it (components leaf first, as its walk writes them) when it did. Lexically
 * normalised ('..', '.'), as a rule matching '/etc/' needs it. Pieces are packed in `data`: path 0,
 * path 1, dir 0, dir 1; a path past the record's end is cut there, a directory cut by it is not used.
 */
function recordPaths(r: Buffer, o: number, end: number, resolvedBits: number): { paths: [string, string]; resolved: [boolean, boolean] } {
  const data = o + PATH_DATA;
  const stop = Math.min(end, data + PATH_DATA_MAX);
  const len = (field: number, i: number): number => r.readUInt32LE(o + field + 4 * i);
  const p0 = len(PATH_PATH_LEN, 0);
  const p1 = len(PATH_PATH_LEN, 1);
  const d0 = resolvedBits & 1 ? len(PATH_DIR_LEN, 0) : 0;
  const d1 = resolvedBits & 2 ? len(PATH_DIR_LEN, 1) : 0;
  const starts = [data, data + p0, data + p0 + p1, data + p0 + p1 + d0];
  const piece = (at: number, n: number): [number, number] => [Math.min(at, stop), Math.min(at + n, stop)];
  const out: [string, string] = ['', ''];
  const used: [boolean, boolean] = [false, false];
  for (const i of [0, 1] as const) {
    const [ps, pe] = piece(starts[i]!, i === 0 ? p0 : p1);
    const given = cstr(r, ps, pe);
    if (!(resolvedBits & (1 << i))) {
      out[i] = given;
      continue;
    }
    const [ds, de] = piece(starts[2 + i]!, i === 0 ? d0 : d1);
    if (de - ds < (i === 0 ? d0 : d1)) {
      out[i] = given; // the directory is cut by the record's end: not a whole path
      continue;
    }
    const dir = '/' + strList(r, ds, de - ds).reverse().join('/');
    out[i] = given === '' ? dir : posix.resolve(dir, given);
    used[i] = true;
  }
  return { paths: out, resolved: used };
}

/** A relative path that may need normalising: a '.' or '..' component, a repeated or trailing slash. */
const NOT_PLAIN = /(?:^|\/)\.\.?(?:\/|$)|\/\/|\/$/;

/**
 * A relative open path joined to the directory the kernel walked for it (NUL-separated components
 * at r[start, start+len), leaf first), lexically normalised like a path record's (recordPaths).
 */
function joinOpenDir(r: Buffer, start: number, len: number, given: string): string {
  const dir = '/' + strList(r, start, len).reverse().join('/');
  if (NOT_PLAIN.test(given)) return posix.resolve(dir, given);
  return dir.length === 1 ? dir + given : `${dir}/${given}`;
}

/** An address as text from its bytes in network order: family 2 (AF_INET, 4 bytes) or 10 (AF_INET6, 16 bytes); '' for others. */
export function ipText(family: number, b: Buffer): string {
  if (family === 2) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (family === 10) {
    if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
    return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  return '';
}

/** How records are decoded. */
export interface DecodeOptions {
  /**
   * Decode tsNs (default true). Creating a BigInt per record cost 0.2–0.3 µs on Node 20, about a
   * fifth of the agent's collect path per open record (bench/agent-pipeline), and nothing the agent
   * sends carries the kernel's timestamp; without, tsNs is undefined (the literal keeps its shape).
   */
  timestamps?: boolean;
}

/**
 * Decode the record at buf[start, start+len) (default: all of buf). Unknown types, and records
 * shorter than their type's fixed part, yield undefined.
 */
export function decodeEvent(buf: Buffer, start = 0, len = buf.length - start, { timestamps = true }: DecodeOptions = {}): VigilEvent | undefined {
  if (len < HDR_SIZE) return undefined;
  const r = buf;
  const o = start;
  const end = start + len;
  const type = r.readUInt32LE(o + H_TYPE);
  // The header fields are written out in every literal below: spreading a shared header object
  // cost ~15 µs per record on this V8 (0.6–1.1 µs without), which made the agent's own CPU the overhead.
  const tsNs = timestamps ? r.readBigUInt64LE(o + H_TS) : undefined;
  const tgid = r.readUInt32LE(o + H_TGID);
  const tid = r.readUInt32LE(o + H_TID);
  switch (type) {
    case EventType.Fork:
      if (len < FORK_SIZE) return undefined;
      return {
        tsNs,
        tgid,
        tid,
        type,
        childTgid: r.readUInt32LE(o + FORK_CHILD),
        uid: r.readUInt32LE(o + FORK_UID),
        gid: r.readUInt32LE(o + FORK_GID),
        childStartNs: r.readBigUInt64LE(o + FORK_START),
        comm: cstr(r, o + FORK_COMM, o + FORK_COMM + COMM_LEN),
      };
    case EventType.Exec: {
      if (len < EXEC_SIZE) return undefined;
      const exeParts = strList(r, o + EXEC_EXE, Math.min(r.readUInt32LE(o + EXEC_EXE_LEN), EXEC_EXE_MAX));
      return {
        tsNs,
        tgid,
        tid,
        type,
        ppid: r.readUInt32LE(o + EXEC_PPID),
        uid: r.readUInt32LE(o + EXEC_UID),
        gid: r.readUInt32LE(o + EXEC_GID),
        ret: r.readInt32LE(o + EXEC_RET),
        startNs: r.readBigUInt64LE(o + EXEC_START),
        comm: cstr(r, o + EXEC_COMM, o + EXEC_COMM + COMM_LEN),
        filename: cstr(r, o + EXEC_FILENAME, o + EXEC_FILENAME + EXEC_FILENAME_MAX),
        exe: exeParts.length ? '/' + exeParts.reverse().join('/') : '',
        argv: strList(r, o + EXEC_ARGV, Math.min(r.readUInt32LE(o + EXEC_ARGV_LEN), EXEC_ARGV_MAX)),
      };
    }
    case EventType.Exit:
      if (len < EXIT_SIZE) return undefined;
      return { tsNs, tgid, tid, type, exitCode: r.readInt32LE(o + EXIT_CODE) };
    case EventType.Open: {
      if (len < OPEN_DATA) return undefined;
      // path_len counts the bytes bpf_probe_read_user_str wrote, its NUL included; then, for a
      // relative path the kernel resolved, dir_len bytes of its directory; the record ends right
      // after them (submit sizes it so)
      const pathLen = Math.min(r.readUInt32LE(o + OPEN_PATH_LEN), OPEN_DATA_MAX);
      const pathEnd = Math.min(o + OPEN_DATA + pathLen, end);
      const raw = pathEnd > o + OPEN_DATA && r[pathEnd - 1] === 0 ? r.toString('utf8', o + OPEN_DATA, pathEnd - 1) : cstr(r, o + OPEN_DATA, pathEnd);
      let path = raw;
      let given: string | undefined;
      if (r.readUInt32LE(o + OPEN_RESOLVED) === 1 && raw !== '' && raw.charCodeAt(0) !== 0x2f) {
        const dirLen = r.readUInt32LE(o + OPEN_DIR_LEN);
        // a directory cut by the record's end is not a whole path: keep the path as given
        if (o + OPEN_DATA + pathLen + dirLen <= end && pathLen + dirLen <= OPEN_DATA_MAX) {
          path = joinOpenDir(r, o + OPEN_DATA + pathLen, dirLen, raw);
          given = raw;
        }
      }
      return {
        tsNs,
        tgid,
        tid,
        type,
        nr: r.readUInt32LE(o + OPEN_NR),
        dfd: r.readInt32LE(o + OPEN_DFD),
        flags: r.readUInt32LE(o + OPEN_FLAGS),
        mode: r.readUInt32LE(o + OPEN_MODE),
        ret: r.readInt32LE(o + OPEN_RET),
        path,
        given,
      };
    }
    case EventType.Net: {
      if (len < NET_SIZE) return undefined;
      const family = r.readUInt16LE(o + NET_FAMILY);
      const addr = family === 1 ? cstr(r, o + NET_UNIX, o + NET_UNIX + NET_UNIX_MAX) : ipText(family, r.subarray(o + NET_ADDR, o + NET_ADDR + 16));
      return {
        tsNs,
        tgid,
        tid,
        type,
        nr: r.readUInt32LE(o + NET_NR),
        ret: r.readInt32LE(o + NET_RET),
        fd: r.readInt32LE(o + NET_FD),
        family,
        port: r.readUInt16LE(o + NET_PORT),
        addr,
      };
    }
    case EventType.Security: {
      if (len < SEC_SIZE) return undefined;
      const args: bigint[] = [];
      for (let i = 0; i < 6; i++) args.push(r.readBigUInt64LE(o + SEC_ARGS + 8 * i));
      return { tsNs, tgid, tid, type, nr: r.readUInt32LE(o + SEC_NR), ret: r.readBigInt64LE(o + SEC_RET), args, str: cstr(r, o + SEC_STR, o + SEC_STR + SEC_STR_MAX) };
    }
    case EventType.Path: {
      if (len < PATH_DATA) return undefined;
      const args: bigint[] = [];
      for (let i = 0; i < 6; i++) args.push(r.readBigUInt64LE(o + PATH_ARGS + 8 * i));
      const { paths, resolved } = recordPaths(r, o, end, r.readUInt32LE(o + PATH_RESOLVED) & 3);
      return {
        tsNs,
        tgid,
        tid,
        type,
        nr: r.readUInt32LE(o + PATH_NR),
        ret: r.readBigInt64LE(o + PATH_RET),
        args,
        str: cstr(r, o + PATH_STR, o + PATH_STR + PATH_STR_MAX),
        paths,
        resolved,
      };
    }
    default:
      return undefined;
  }
}

/** What decodeBatch found in a batch. */
export interface DecodedBatch {
  events: VigilEvent[];
  /** Records of an unknown type or too short for their type (a C/TypeScript mismatch). */
  undecodable: number;
}

/**
 * Visit every record of a batch from the addon's ring-buffer poll (per record: u32 length, u32
 * count, bytes, padding to 8; count > 1 only on aggregated open records): start and length of its
 * bytes (a length past the batch's end is cut there), and its count.
 */
function forEachFrame(batch: Buffer, visit: (start: number, len: number, count: number) => void): void {
  let pos = 0;
  while (pos + 8 <= batch.length) {
    const len = Math.min(batch.readUInt32LE(pos), batch.length - pos - 8);
    visit(pos + 8, len, batch.readUInt32LE(pos + 4));
    pos += 8 + ((len + 7) & ~7);
  }
}

/** Decode every record of a poll batch in place, without a view per record. */
export function decodeBatch(batch: Buffer, options: DecodeOptions = {}): DecodedBatch {
  const events: VigilEvent[] = [];
  let undecodable = 0;
  forEachFrame(batch, (start, len, count) => {
    const ev = decodeEvent(batch, start, len, options);
    if (ev) {
      if (count > 1 && ev.type === EventType.Open) ev.count = count;
      events.push(ev);
    } else undecodable++;
  });
  return { events, undecodable };
}

/** Split a poll batch (see forEachFrame) into its records. Returns views, not copies; counts are dropped. */
export function splitBatch(batch: Buffer): Buffer[] {
  const out: Buffer[] = [];
  forEachFrame(batch, (start, len) => out.push(batch.subarray(start, start + len)));
  return out;
}
