import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';

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

/** Groups calls by process (and thread within it) in order of first appearance. */
class ProcessGrouper {
  private readonly processes = new Map<string, { p: TraceProcess; threads: Map<string, number> }>();

  add(pid: string, tid: string | null, call: string): void {
    let e = this.processes.get(pid);
    if (!e) {
      e = { p: { key: pid, calls: [] }, threads: new Map() };
      this.processes.set(pid, e);
    }
    e.p.calls.push(call);
    if (tid === null) return;
    let t = e.threads.get(tid);
    if (t === undefined) {
      t = e.threads.size;
      e.threads.set(tid, t);
    }
    (e.p.threads ??= []).push(t);
  }

  done(): TraceProcess[] {
    return [...this.processes.values()].map(({ p, threads }) => (threads.size > 1 ? p : { key: p.key, calls: p.calls }));
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
  const g = new ProcessGrouper();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (format === 'strace') {
      const m = STRACE_CALL.exec(line);
      if (m) g.add(m[1] ?? m[2] ?? '', null, m[3]!);
      continue;
    }
    const f = line.split(/\s+/);
    if (format === 'pid-call') {
      if (f.length === 2 && TOKEN.test(f[1]!)) g.add(f[0]!, null, f[1]!);
    } else if (format === 'lidds-2021') {
      if (f[6] === '>' && f[5] && !NOT_SYSCALLS.has(f[5])) g.add(f[2]!, f[4]!, f[5]);
    } else if (format === 'lidds-2019') {
      // no pid in this layout: each thread is a process of its own
      if (f[6] === '>' && f[7] && !NOT_SYSCALLS.has(f[7])) g.add(f[5]!, null, f[7]);
    } else if (f[5] === '>' && f[6] && !NOT_SYSCALLS.has(f[6])) g.add(f[4]!.slice(1, -1), null, f[6]);
  }
  return { format, processes: g.done() };
}

/** Captures an archive holds beside its trace that are never traces (LID-DS ships a .pcap per recording). */
const NOT_TRACES = /\.(pcap|pcapng|gz|zip|tar|png|jpg)$/i;

/**
 * Read and parse one trace file. A zip archive (LID-DS 2021 ships each recording as one, with its
 * `.sc` trace beside a `.json` label, a `.pcap` and a `.res` resource log) is read as its entries
 * in a structured layout; only when none has one, as its text entries of tokens.
 */
export function readTrace(path: string): ParsedTrace {
  const buf = readFileSync(path);
  if (buf.subarray(0, 4).equals(ZIP_MAGIC)) return readArchive(buf, path);
  if (buf.includes(0)) throw new TraceFormatError(`${path}: binary file (a NUL byte), not a syscall trace`);
  return parseTrace(buf.toString('utf8'), path);
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

function readArchive(buf: Buffer, path: string): ParsedTrace {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(buf, { filter: (f) => !f.name.endsWith('/') && !NOT_TRACES.test(f.name) });
  } catch (e) {
    throw new TraceFormatError(`${path}: a zip archive that cannot be read (${(e as Error).message})`);
  }
  const parsed: { name: string; trace: ParsedTrace }[] = [];
  for (const name of Object.keys(entries).sort()) {
    const data = Buffer.from(entries[name]!);
    if (data.includes(0)) continue;
    try {
      parsed.push({ name, trace: parseTrace(data.toString('utf8'), `${path}:${name}`) });
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
