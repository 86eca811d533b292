import { EventType, LAYOUTS, type StructLayout } from './layout';

/** Fields every record carries. */
export interface EventBase {
  tsNs: bigint;
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
  path: string;
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
/** A decoded ring-buffer record. */
export type VigilEvent = ForkEvent | ExecEvent | ExitEvent | OpenEvent | NetEvent | SecurityEvent;

const L = (s: string): StructLayout => LAYOUTS[s]!;
const FORK = L('vigil_fork_event').fields;
const EXEC = L('vigil_exec_event').fields;
const EXIT = L('vigil_exit_event').fields;
const OPEN = L('vigil_open_event').fields;
const NET = L('vigil_net_event').fields;
const SEC = L('vigil_security_event').fields;
const HDR = L('vigil_event_header').fields;

const off = (fields: Record<string, { offset: number }>, name: string): number => fields[name]!.offset;

function cstr(buf: Buffer, start: number, max: number): string {
  const end = Math.min(start + max, buf.length);
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

function ipText(family: number, b: Buffer): string {
  if (family === 2) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (family === 10) {
    if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
    return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  return '';
}

/** Decode one record (the bytes of exactly one event). Unknown types yield undefined. */
export function decodeEvent(r: Buffer): VigilEvent | undefined {
  const type = r.readUInt32LE(off(HDR, 'type'));
  // The header fields are written out in every literal below: spreading a shared header object
  // cost ~15 µs per record on this V8 (0.6–1.1 µs without), which made the agent's own CPU the overhead.
  const tsNs = r.readBigUInt64LE(off(HDR, 'ts_ns'));
  const tgid = r.readUInt32LE(off(HDR, 'tgid'));
  const tid = r.readUInt32LE(off(HDR, 'tid'));
  switch (type) {
    case EventType.Fork:
      return {
        tsNs,
        tgid,
        tid,
        type,
        childTgid: r.readUInt32LE(off(FORK, 'child_tgid')),
        uid: r.readUInt32LE(off(FORK, 'uid')),
        gid: r.readUInt32LE(off(FORK, 'gid')),
        childStartNs: r.readBigUInt64LE(off(FORK, 'child_start_ns')),
        comm: cstr(r, off(FORK, 'comm'), FORK.comm!.size),
      };
    case EventType.Exec: {
      const exeParts = strList(r, off(EXEC, 'exe'), Math.min(r.readUInt32LE(off(EXEC, 'exe_len')), EXEC.exe!.size));
      return {
        tsNs,
        tgid,
        tid,
        type,
        ppid: r.readUInt32LE(off(EXEC, 'ppid')),
        uid: r.readUInt32LE(off(EXEC, 'uid')),
        gid: r.readUInt32LE(off(EXEC, 'gid')),
        ret: r.readInt32LE(off(EXEC, 'ret')),
        startNs: r.readBigUInt64LE(off(EXEC, 'start_ns')),
        comm: cstr(r, off(EXEC, 'comm'), EXEC.comm!.size),
        filename: cstr(r, off(EXEC, 'filename'), EXEC.filename!.size),
        exe: exeParts.length ? '/' + exeParts.reverse().join('/') : '',
        argv: strList(r, off(EXEC, 'argv'), Math.min(r.readUInt32LE(off(EXEC, 'argv_len')), EXEC.argv!.size)),
      };
    }
    case EventType.Exit:
      return { tsNs,
        tgid,
        tid, type, exitCode: r.readInt32LE(off(EXIT, 'exit_code')) };
    case EventType.Open:
      return {
        tsNs,
        tgid,
        tid,
        type,
        nr: r.readUInt32LE(off(OPEN, 'nr')),
        dfd: r.readInt32LE(off(OPEN, 'dfd')),
        flags: r.readUInt32LE(off(OPEN, 'flags')),
        mode: r.readUInt32LE(off(OPEN, 'mode')),
        ret: r.readInt32LE(off(OPEN, 'ret')),
        path: cstr(r, off(OPEN, 'path'), Math.min(r.readUInt32LE(off(OPEN, 'path_len')), OPEN.path!.size)),
      };
    case EventType.Net: {
      const family = r.readUInt16LE(off(NET, 'family'));
      const addr =
        family === 1 ? cstr(r, off(NET, 'unix_path'), NET.unix_path!.size) : ipText(family, r.subarray(off(NET, 'addr'), off(NET, 'addr') + 16));
      return {
        tsNs,
        tgid,
        tid,
        type,
        nr: r.readUInt32LE(off(NET, 'nr')),
        ret: r.readInt32LE(off(NET, 'ret')),
        fd: r.readInt32LE(off(NET, 'fd')),
        family,
        port: r.readUInt16LE(off(NET, 'port')),
        addr,
      };
    }
    case EventType.Security: {
      const args: bigint[] = [];
      for (let i = 0; i < 6; i++) args.push(r.readBigUInt64LE(off(SEC, 'args') + 8 * i));
      return { tsNs,
        tgid,
        tid, type, nr: r.readUInt32LE(off(SEC, 'nr')), ret: r.readBigInt64LE(off(SEC, 'ret')), args, str: cstr(r, off(SEC, 'str'), SEC.str!.size) };
    }
    default:
      return undefined;
  }
}

/**
 * Split a batch from the addon's ring-buffer poll (per record: u32 length, u32 0, bytes, padding
 * to 8) into records. Returns views, not copies.
 */
export function splitBatch(batch: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos + 8 <= batch.length) {
    const len = batch.readUInt32LE(pos);
    out.push(batch.subarray(pos + 8, pos + 8 + len));
    pos += 8 + ((len + 7) & ~7);
  }
  return out;
}
