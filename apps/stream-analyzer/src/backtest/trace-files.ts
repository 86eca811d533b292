import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { newCallState, straceCall, sysdigCall, sysdigParams, type CallState, type TraceHint, type TraceRecord } from './trace-records';

/** Every regular file under `dir`, recursively, in a stable (sorted) order; hidden entries skipped. */
export function listTraceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue;
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * The layouts of public labelled syscall-trace sets and of the tools that record them:
 * - `tokens`: whitespace-separated syscall numbers or names, opaque symbols, one process per file (ADFA-LD; one call
 *   per line works too): any text that fits no other layout and is not plainly a document (JSON, XML, HTML);
 * - `pid-call`: a `pid call` pair per line, several processes interleaved (the UNM sets: sendmail, lpr, named…);
 * - `strace`: strace output, with or without `-f` pids (`[pid N]` or a leading pid column), `-t`/`-tt`/`-ttt`/`-r` times and `-n` numbers;
 * - `lidds-2021`: LID-DS 2021 `.sc` lines (`time uid pid name tid call dir args…`);
 * - `lidds-2019`: LID-DS 2019 lines (`n time cpu uid name tid dir call args…`, no pid);
 * - `sysdig`: sysdig's default output (`n time cpu name (tid) dir call args…`).
 * The event formats record each call twice (enter `>` and exit `<`): a call counts once, at its enter event.
 */
export type TraceFormat = 'tokens' | 'pid-call' | 'strace' | 'lidds-2021' | 'lidds-2019' | 'sysdig';

/** One process of a trace: its calls in order and, when it had several threads, the thread of each call. */
export interface TraceProcess {
  /** The process's id in the trace ('' when the format names none). */
  key: string;
  calls: string[];
  /** Per call, the index of its thread within the process (absent: one thread). The kernel's k-gram window is per thread. */
  threads?: number[];
  /** What the trace says of the process beyond its call names: only the layouts that record arguments (strace, LID-DS, sysdig) have it. */
  detail?: TraceDetail;
}

/** A process as a layout with arguments records it. */
export interface TraceDetail {
  /** The key of the process that forked it, when the trace shows the fork. */
  parent?: string;
  /** Index of the parent's call that forked it. */
  forkedAt?: number;
  /** The process's name in the trace at its first call (LID-DS and sysdig name every event's process; strace does not). */
  comm?: string;
  uid?: number;
  exitCode?: number;
  /** Its opens, execs and network calls, in call order. */
  records: TraceRecord[];
}

export interface ParsedTrace {
  format: TraceFormat;
  processes: TraceProcess[];
}

/** A file that is not a syscall trace of a known layout: why, and where. */
export class TraceFormatError extends Error {}

/** Lines sampled to recognise a layout. */
const SAMPLE_LINES = 200;
/** Share of sampled lines that must fit a layout. */
const FIT = 0.9;

const INTEGER = /^\d+$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TOKEN = /^[A-Za-z0-9_]+$/;
/** Scheduler events of sysdig-based recorders: not system calls, and the agent never sees them. */
const NOT_SYSCALLS = new Set(['switch', 'procexit', 'signaldeliver', 'pluginevent']);
/** One strace line: optional pid (`[pid N]` or a leading column), time (-t, -tt, -ttt, -r), `-n` number, then `call(`. */
const STRACE_CALL = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(?:\d+(?::\d\d:\d\d)?(?:\.\d+)?\s+)?(?:\[\s*\d+\]\s+)?([a-z_][a-z0-9_]*)\(/;
/** strace lines that are not a new call: resumptions, signals, exits, attach notices. */
const STRACE_OTHER = /^(?:\[pid\s+\d+\]\s+|\d+\s+)?(?:\d+(?::\d\d:\d\d)?(?:\.\d+)?\s+)?(?:<\.\.\.|\+\+\+|---|strace: )/;

/** Which layout the text is in, from its first lines. */
export function detectTraceFormat(text: string): TraceFormat | null {
  // the first lines only: a LID-DS recording is hundreds of MB, and parseTrace splits it once
  const lines: string[] = [];
  for (let from = 0; from < text.length && lines.length < SAMPLE_LINES; ) {
    const nl = text.indexOf('\n', from);
    const end = nl < 0 ? text.length : nl;
    const t = text.slice(from, end).trim();
    if (t) lines.push(t);
    from = end + 1;
  }
  if (lines.length === 0) return 'tokens';
  const share = (fits: (line: string, f: string[]) => boolean): number => lines.filter((l) => fits(l, l.split(/\s+/))).length / lines.length;
  const isDir = (s: string | undefined): boolean => s === '>' || s === '<';
  if (share((l) => STRACE_CALL.test(l) || STRACE_OTHER.test(l)) >= FIT && lines.some((l) => STRACE_CALL.test(l))) return 'strace';
  if (share((_, f) => f.length >= 7 && INTEGER.test(f[0]!) && INTEGER.test(f[2]!) && INTEGER.test(f[4]!) && IDENT.test(f[5]!) && isDir(f[6])) >= FIT) return 'lidds-2021';
  if (share((_, f) => f.length >= 8 && INTEGER.test(f[0]!) && INTEGER.test(f[5]!) && isDir(f[6]) && IDENT.test(f[7]!)) >= FIT) return 'lidds-2019';
  if (share((_, f) => f.length >= 7 && INTEGER.test(f[0]!) && /^\(\d+\)$/.test(f[4]!) && isDir(f[5]) && IDENT.test(f[6]!)) >= FIT) return 'sysdig';
  if (lines.length >= 2 && share((_, f) => f.length === 2 && INTEGER.test(f[0]!) && TOKEN.test(f[1]!)) === 1) return 'pid-call';
  // anything else is opaque tokens (the backtest contract), unless it is plainly a document: JSON, XML, HTML
  return /^\s*[[{<]/.test(text) ? null : 'tokens';
}

/** One thread's (or, where the layout names no pid, one task's) calls as read. */
interface Stream {
  key: string;
  calls: string[];
  /** The thread of each call within the process (layouts with a pid and a tid). */
  threads: Map<string, number>;
  tids: number[];
  records: TraceRecord[];
  state: CallState;
  comm?: string;
  uid?: number;
  exitCode?: number;
  children: { child: string; at: number }[];
  /** Threads this task created (strace's -f names threads, not processes). */
  threadKeys: string[];
}

/** Groups calls by process (and thread within it) in order of first appearance, with what the calls say of processes. */
class ProcessGrouper {
  private readonly streams = new Map<string, Stream>();

  private stream(key: string): Stream {
    let s = this.streams.get(key);
    if (!s) {
      s = { key, calls: [], threads: new Map(), tids: [], records: [], state: newCallState(), children: [], threadKeys: [] };
      this.streams.set(key, s);
    }
    return s;
  }

  /** Adds a call; returns its index in its process's calls. */
  add(pid: string, tid: string | null, call: string): number {
    const s = this.stream(pid);
    s.calls.push(call);
    if (tid !== null) {
      let t = s.threads.get(tid);
      if (t === undefined) {
        t = s.threads.size;
        s.threads.set(tid, t);
      }
      s.tids.push(t);
    }
    return s.calls.length - 1;
  }

  /** What the process's earlier calls said (working directory, bound sockets). */
  state(pid: string): CallState {
    return this.stream(pid).state;
  }

  note(pid: string, at: number, r: { record?: TraceRecord; hint?: TraceHint }): void {
    const s = this.stream(pid);
    if (r.record) s.records.push(r.record);
    if (r.hint?.kind === 'child') {
      s.children.push({ child: r.hint.child, at });
      // the child starts where its parent is
      const c = this.stream(r.hint.child);
      if (c.state.cwd === null) c.state.cwd = s.state.cwd;
    } else if (r.hint?.kind === 'thread') s.threadKeys.push(r.hint.tid);
  }

  /** Whether the process has its name (the first event that named it). */
  named(pid: string): boolean {
    return this.streams.get(pid)?.comm !== undefined;
  }

  name(pid: string, comm: string, uid?: number): void {
    const s = this.stream(pid);
    s.comm ??= comm;
    if (uid !== undefined) s.uid ??= uid;
  }

  exit(pid: string, code: number): void {
    this.stream(pid).exitCode = code;
  }

  /** The processes, with `detailed` layouts' details: threads a task created join it (strace), children know their parent. */
  done(detailed: boolean): TraceProcess[] {
    // strace -f prints a thread's calls under its own id: they are its process's
    const owner = new Map<string, string>();
    for (const s of this.streams.values()) for (const t of s.threadKeys) if (t !== s.key) owner.set(t, s.key);
    const root = (k: string): string => {
      for (let i = 0; i < 64 && owner.has(k); i++) k = owner.get(k)!;
      return k;
    };
    const merged = new Map<string, Stream>();
    for (const s of this.streams.values()) {
      if (s.calls.length === 0 && !owner.has(s.key)) continue;
      const r = root(s.key);
      const into = merged.get(r);
      if (!into) {
        merged.set(r, s);
        continue;
      }
      // the thread's calls follow its process's: the k-gram window is per thread, the counts per process
      if (into.threads.size === 0) {
        into.threads.set(into.key, 0);
        into.tids = into.calls.map(() => 0);
      }
      const t = into.threads.size;
      into.threads.set(s.key, t);
      const offset = into.calls.length;
      into.calls.push(...s.calls);
      into.tids.push(...s.calls.map(() => t));
      into.records.push(...s.records.map((x) => ({ ...x, at: x.at + offset })));
      into.children.push(...s.children.map((c) => ({ ...c, at: c.at + offset })));
    }
    const parents = new Map<string, { parent: string; at: number }>();
    for (const s of merged.values()) for (const c of s.children) if (!parents.has(root(c.child))) parents.set(root(c.child), { parent: s.key, at: c.at });
    return [...merged.values()]
      .filter((s) => s.calls.length > 0)
      .map((s) => {
        const p: TraceProcess = { key: s.key, calls: s.calls };
        if (s.threads.size > 1) p.threads = s.tids;
        if (detailed) {
          const from = parents.get(s.key);
          p.detail = { records: s.records };
          if (from && merged.has(from.parent)) {
            p.detail.parent = from.parent;
            p.detail.forkedAt = from.at;
          }
          if (s.comm !== undefined) p.detail.comm = s.comm;
          if (s.uid !== undefined) p.detail.uid = s.uid;
          if (s.exitCode !== undefined) p.detail.exitCode = s.exitCode;
        }
        return p;
      });
  }
}

/** Parse a trace's text (see {@link TraceFormat}); `where` names it in errors. */
export function parseTrace(text: string, where: string): ParsedTrace {
  const format = detectTraceFormat(text);
  if (format === null) {
    const first = text.trimStart().split('\n', 1)[0]!.slice(0, 120);
    throw new TraceFormatError(`${where}: a document (JSON, XML or HTML), not a syscall trace (tokens, UNM, strace, LID-DS 2019/2021 or sysdig); it begins ${JSON.stringify(first)}`);
  }
  if (format === 'tokens') return { format, processes: [{ key: '', calls: text.split(/\s+/).filter(Boolean) }] };
  return parseLines(format, text.split('\n'));
}

/** The processes of a trace in a layout other than tokens, from its lines in order. */
function parseLines(format: Exclude<TraceFormat, 'tokens'>, lines: Iterable<string>): ParsedTrace {
  const g = new ProcessGrouper();
  if (format === 'strace') parseStrace(lines, g);
  else if (format === 'pid-call') {
    for (const raw of lines) {
      const f = raw.trim().split(/\s+/);
      if (f.length === 2 && TOKEN.test(f[1]!)) g.add(f[0]!, null, f[1]!);
    }
  } else parseSysdig(lines, format, g);
  return { format, processes: g.done(format !== 'pid-call') };
}

/** strace lines that resume a call (`<... read resumed>…`), or end a process (`+++ exited with 0 +++`). */
const STRACE_RESUMED = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(?:\d+(?::\d\d:\d\d)?(?:\.\d+)?\s+)?<\.\.\. ([a-z_][a-z0-9_]*) resumed>(.*)$/;
const STRACE_EXIT = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(?:\d+(?::\d\d:\d\d)?(?:\.\d+)?\s+)?\+\+\+ exited with (\d+) \+\+\+/;
const UNFINISHED = ' <unfinished ...>';

function parseStrace(lines: Iterable<string>, g: ProcessGrouper): void {
  // a call another task's line interrupted: its name, the text so far and its index
  const pending = new Map<string, { name: string; text: string; at: number }>();
  const complete = (pid: string, name: string, text: string, at: number): void => {
    // `args) = result`, strace padding the result to a column: the last `=` after a closing parenthesis
    for (let eq = text.lastIndexOf(' = '); eq > 0; eq = text.lastIndexOf(' = ', eq - 1)) {
      const close = text.slice(0, eq).trimEnd();
      if (!close.endsWith(')')) continue;
      g.note(pid, at, straceCall(name, close.slice(0, -1), text.slice(eq + 3), at, g.state(pid)));
      return;
    }
  };
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    const m = STRACE_CALL.exec(line);
    if (m) {
      const pid = m[1] ?? m[2] ?? '';
      const name = m[3]!;
      const at = g.add(pid, null, name);
      const rest = line.slice(m[0].length);
      if (rest.endsWith(UNFINISHED)) pending.set(pid, { name, text: rest.slice(0, -UNFINISHED.length), at });
      else complete(pid, name, rest, at);
      continue;
    }
    const r = STRACE_RESUMED.exec(line);
    if (r) {
      const pid = r[1] ?? r[2] ?? '';
      const p = pending.get(pid);
      if (p && p.name === r[3]) complete(pid, p.name, p.text + r[4]!, p.at);
      pending.delete(pid);
      continue;
    }
    const x = STRACE_EXIT.exec(line);
    if (x) g.exit(x[1] ?? x[2] ?? '', Number(x[3]));
  }
}

/** Field positions of the sysdig-based layouts: pid (absent: each task is a process), name, uid, tid, direction, call, first parameter. */
const SYSDIG_FIELDS = {
  'lidds-2021': { pid: 2, name: 3, uid: 1, tid: 4, call: 5, dir: 6, params: 7 },
  'lidds-2019': { pid: -1, name: 4, uid: 3, tid: 5, call: 7, dir: 6, params: 8 },
  sysdig: { pid: -1, name: 3, uid: -1, tid: 4, call: 6, dir: 5, params: 7 },
} as const;

/** The calls whose arguments {@link sysdigCall} reads: every other call is its name alone. */
const SYSDIG_RECORDED = new Set([
  ...['open', 'openat', 'openat2', 'creat', 'execve', 'execveat', 'connect', 'accept', 'accept4', 'bind', 'listen', 'fork', 'vfork', 'clone', 'clone3', 'chdir'],
  ...['unlink', 'unlinkat', 'rmdir', 'rename', 'renameat', 'renameat2', 'chmod', 'fchmodat', 'symlink', 'symlinkat', 'link', 'linkat', 'mkdir', 'mkdirat', 'ptrace'],
  ...['setuid', 'setgid', 'setresuid', 'setresgid', 'memfd_create', 'mprotect', 'mount'],
]);

function parseSysdig(lines: Iterable<string>, format: 'lidds-2021' | 'lidds-2019' | 'sysdig', g: ProcessGrouper): void {
  const at = SYSDIG_FIELDS[format];
  // per task, its call whose exit event has not come yet: a call's arguments are split over its two events
  const open = new Map<string, { pid: string; name: string; at: number; params: Map<string, string> }>();
  for (const raw of lines) {
    // one space between fields in these layouts: a plain split is several times faster than a pattern
    const line = raw.trim();
    const f = line.includes('  ') || line.includes('\t') ? line.split(/\s+/) : line.split(' ');
    const call = f[at.call];
    const dir = f[at.dir];
    if (!call || (dir !== '>' && dir !== '<') || NOT_SYSCALLS.has(call)) continue;
    const tid = format === 'sysdig' ? f[at.tid]!.slice(1, -1) : f[at.tid]!;
    const pid = at.pid >= 0 ? f[at.pid]! : tid;
    if (dir === '>') {
      const i = g.add(pid, at.pid >= 0 ? tid : null, call);
      if (!g.named(pid)) g.name(pid, f[at.name]!, at.uid >= 0 && INTEGER.test(f[at.uid] ?? '') ? Number(f[at.uid]) : undefined);
      // only the calls that say something beyond their name wait for their exit event
      if (SYSDIG_RECORDED.has(call)) open.set(tid, { pid, name: call, at: i, params: sysdigParams(f, at.params) });
      else if (open.size) open.delete(tid);
      continue;
    }
    const e = open.get(tid);
    if (!e || e.name !== call) continue;
    open.delete(tid);
    g.note(e.pid, e.at, sysdigCall(call, e.params, sysdigParams(f, at.params), e.at, g.state(e.pid)));
  }
}

/** Captures an archive holds beside its trace that are never traces (LID-DS ships a .pcap per recording). */
const NOT_TRACES = /\.(pcap|pcapng|gz|zip|tar|png|jpg)$/i;

/**
 * Read and parse one trace file. A zip archive (LID-DS 2021 ships each recording as one, with its
 * `.sc` trace beside a `.json` label, a `.pcap` and a `.res` resource log) is read as its entries
 * in a structured layout; only when none has one, as its text entries of tokens. A file or entry
 * larger than `slice` bytes is read a slice at a time (see {@link TRACE_SLICE_BYTES}).
 */
export function readTrace(path: string, slice = TRACE_SLICE_BYTES): ParsedTrace {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(4, size));
    readSync(fd, head, 0, head.length, 0);
    if (head.equals(ZIP_MAGIC)) return readArchive(readFileSync(fd), path, slice);
    return parseBytes({ size, read: (pos, buf) => readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos) }, path, slice);
  } finally {
    closeSync(fd);
  }
}

/** Bytes read in slices: a file, or an archive's entry in memory. */
interface ByteSource {
  size: number;
  /** Reads from `pos` into `buf`; returns how many bytes it read. */
  read(pos: number, buf: Buffer): number;
}

/**
 * Text is decoded and split in slices of at most this many bytes: a recording larger than the longest
 * string V8 holds (512 MiB; LID-DS recordings can be) is read too, a slice of lines at a time.
 */
export const TRACE_SLICE_BYTES = 64 << 20;

/** A trace from its bytes: whole when it fits one slice, else recognised from its first slice and read line by line. */
function parseBytes(src: ByteSource, where: string, slice = TRACE_SLICE_BYTES): ParsedTrace {
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(slice, src.size)));
  if (src.size <= slice) {
    const n = src.read(0, buf);
    const bytes = buf.subarray(0, n);
    if (bytes.includes(0)) throw new TraceFormatError(`${where}: binary file (a NUL byte), not a syscall trace`);
    return parseTrace(bytes.toString('utf8'), where);
  }
  const first = buf.subarray(0, src.read(0, buf));
  if (first.includes(0)) throw new TraceFormatError(`${where}: binary file (a NUL byte), not a syscall trace`);
  // the layout from the first lines (detectTraceFormat reads 200 of them): the first MiB, cut at a line's end
  const headEnd = first.lastIndexOf(0x0a, 1 << 20);
  const format = detectTraceFormat(first.toString('utf8', 0, headEnd > 0 ? headEnd : Math.min(first.length, 1 << 20)));
  if (format === null) return parseTrace(first.toString('utf8'), where);
  const lines = sliceLines(src, buf, where);
  if (format === 'tokens') {
    const calls: string[] = [];
    for (const line of lines) for (const t of line.split(/\s+/)) if (t) calls.push(t);
    return { format, processes: [{ key: '', calls }] };
  }
  return parseLines(format, lines);
}

/** The lines of a byte source, decoded a slice at a time (a line cut by a slice's end is completed from the next). */
function* sliceLines(src: ByteSource, buf: Buffer, where: string): Generator<string> {
  let carry: Buffer = Buffer.alloc(0);
  for (let pos = 0; pos < src.size; ) {
    const n = src.read(pos, buf);
    if (n <= 0) break;
    pos += n;
    const bytes = buf.subarray(0, n);
    if (bytes.includes(0)) throw new TraceFormatError(`${where}: binary data (a NUL byte) at byte ${pos - n + bytes.indexOf(0)}, not a syscall trace`);
    const last = bytes.lastIndexOf(0x0a);
    if (last < 0) {
      carry = Buffer.concat([carry, bytes]);
      continue;
    }
    const text = Buffer.concat([carry, bytes.subarray(0, last)]).toString('utf8');
    carry = Buffer.from(bytes.subarray(last + 1));
    yield* text.split('\n');
  }
  if (carry.length) yield carry.toString('utf8');
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

function readArchive(buf: Buffer, path: string, slice: number): ParsedTrace {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(buf, { filter: (f) => !f.name.endsWith('/') && !NOT_TRACES.test(f.name) });
  } catch (e) {
    throw new TraceFormatError(`${path}: a zip archive that cannot be read (${(e as Error).message})`);
  }
  const parsed: { name: string; trace: ParsedTrace }[] = [];
  for (const name of Object.keys(entries).sort()) {
    const data = entries[name]!;
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    try {
      const source: ByteSource = { size: bytes.length, read: (pos, buf) => bytes.copy(buf, 0, pos, Math.min(bytes.length, pos + buf.length)) };
      parsed.push({ name, trace: parseBytes(source, `${path}:${name}`, slice) });
    } catch (e) {
      if (!(e instanceof TraceFormatError)) throw e;
    }
  }
  const structured = parsed.filter((p) => p.trace.format !== 'tokens');
  const chosen = structured.length ? structured : parsed;
  if (chosen.length === 0) throw new TraceFormatError(`${path}: a zip archive with no syscall trace in it (${Object.keys(entries).length} readable entries)`);
  const formats = new Set(chosen.map((c) => c.trace.format));
  if (formats.size > 1) throw new TraceFormatError(`${path}: a zip archive with traces in several layouts (${[...formats].join(', ')})`);
  return {
    format: chosen[0]!.trace.format,
    processes: chosen.flatMap((c) => c.trace.processes.map((p) => ({ ...p, key: chosen.length > 1 ? `${c.name}:${p.key}` : p.key }))),
  };
}
