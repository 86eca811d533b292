import { KGRAM_DISTINCT_CALLS, KgramWindow } from '@vigil/schemas';
import { basename } from '../detection/identity';
import type { ExecEvent, NetworkOp, ProcessActivity, TelemetryBatch } from '../detection/telemetry';
import type { TraceRecord } from './trace-records';

/** How traces become telemetry: what the agent would have shipped for a process making those calls. */
export interface TraceTelemetryOptions {
  /** k of the k-grams (the agent's `ngram_k`). */
  k: number;
  /** Calls per process-window: a longer trace is split into several windows of the same process. */
  windowCalls: number;
}

/** Endpoint, host and program every trace is replayed as: one program on one endpoint. */
export const TRACE_ENDPOINT = 'backtest';
export const TRACE_PROGRAM = '/backtest/traced-program';

/**
 * Maps opaque trace tokens (syscall numbers or names) to the small call numbers the kernel's
 * k-gram packing encodes: ids in order of first appearance (training files first, in sorted path
 * order), so the mapping is deterministic. Ids at or above 1022 share the packing's "other" code,
 * exactly as the kernel treats calls it cannot name.
 */
export class SymbolTable {
  private readonly ids = new Map<string, number>();

  idsOf(tokens: string[]): number[] {
    return tokens.map((t) => {
      let id = this.ids.get(t);
      if (id === undefined) {
        id = this.ids.size;
        this.ids.set(t, id);
      }
      return id;
    });
  }

  /** Distinct symbols (more than 1022 collapse into one k-gram code). */
  get size(): number {
    return this.ids.size;
  }

  /** True when every symbol has a k-gram code of its own. */
  get exact(): boolean {
    return this.ids.size <= KGRAM_DISTINCT_CALLS;
  }
}

/**
 * The programs a replay has seen exec'd, by the name a process of theirs gets (the kernel's comm: the
 * file name, cut at 15 bytes). LID-DS and sysdig name every event's process, but a process that was
 * running before the recording began shows no exec: it is known by that name only. Resolved through
 * this, it is the same program (the same baseline) as where a recording saw it start.
 */
export class ProgramNames {
  private readonly paths = new Map<string, string>();

  /** Remembers the path of an exec'd program under its name (the first path seen for a name stays). */
  learn(path: string): void {
    if (!path.startsWith('/')) return;
    const name = basename(path).slice(0, 15);
    if (!this.paths.has(name)) this.paths.set(name, path);
  }

  /** The path of the program a process of this name runs, or the name itself when no exec of it was seen. */
  resolve(comm: string): string {
    return this.paths.get(comm) ?? comm;
  }
}

/**
 * Who a traced process is, as far as its trace tells (the layouts with arguments: strace, LID-DS,
 * sysdig); every field has the pooled trace program's value when the trace does not say.
 */
export interface TraceIdentity {
  /**
   * Its program images ({@link traceImages}): the first from its first call (named by the trace or its
   * parent's; exe null when unknown, the pooled {@link TRACE_PROGRAM}), then one per successful exec of its own.
   */
  images: TraceImage[];
  /** The name the trace gives it (LID-DS, sysdig). */
  comm: string | null;
  uid: number;
  ppid: number;
  /** Programs of its parent, grandparent, … (as the agent sends them), and their pids. */
  ancestry: string[];
  ancestorPids: number[];
  /** Forked and not yet exec'd: its first successful exec is its parent's fork+exec, recorded on the parent (as the agent does). */
  forked: boolean;
  exitCode: number | null;
  /** Its opens, execs, network and security calls, in call order. */
  records: readonly TraceRecord[];
}

/** The identity of a trace that records call names only: the pooled program, no records. */
export const POOLED: TraceIdentity = { images: [{ from: 0, exe: null, argv: null }], comm: null, uid: 1000, ppid: 1, ancestry: [], ancestorPids: [], forked: false, exitCode: null, records: [] };

/** A program image of a process: from the call that started it (an exec), its program. */
export interface TraceImage {
  from: number;
  exe: string | null;
  argv: string[] | null;
}

/** The images of a process: its first, then one per successful exec of its own (a forked process's first exec replaces its parent's image). */
export function traceImages(first: Omit<TraceImage, 'from'>, records: readonly TraceRecord[]): TraceImage[] {
  const images: TraceImage[] = [{ from: 0, ...first }];
  for (const r of records) if (r.kind === 'exec' && r.ret === 0) images.push({ from: r.at, exe: r.filename, argv: r.argv.length ? r.argv : null });
  return images;
}

/** The image a process ran at call index `call`. */
export function imageAt(images: readonly TraceImage[], call: number): TraceImage {
  let img = images[0]!;
  for (const i of images) if (i.from <= call) img = i;
  return img;
}

/**
 * The process-windows of one traced process as the agent reports them: per window exact call counts
 * (by token) and k-gram counts under the kernel's hash. The windows are one process run (same pid
 * and start time), so the engine sees them as one process over time. As in the kernel, the k-gram
 * window runs per thread (`threads`: the thread of each call; absent, one thread) and on across
 * batch boundaries: a window's k-grams are those ending in it.
 *
 * With an identity from a trace that records arguments, a window also carries the process's program
 * (its image at the window's last call), lineage and the records of its calls in the window (files,
 * execs, network, security). As the agent does: an exec a forked child makes while still running its
 * parent's image is recorded on the parent (returned in `parentExecs`), and when a process execs another
 * program in place, what its earlier image recorded in the window goes first, as that image, in a
 * process-window without calls (a program that re-execs itself keeps its records). `mains` are the
 * windows of calls, one per `windowCalls` calls.
 */
export function traceWindows(
  tokens: string[],
  ids: number[],
  pid: number,
  o: TraceTelemetryOptions,
  threads?: readonly number[],
  id: TraceIdentity = POOLED,
): { windows: ProcessActivity[]; mains: ProcessActivity[]; parentExecs: ExecEvent[] } {
  const out: ProcessActivity[] = [];
  const mains: ProcessActivity[] = [];
  const parentExecs: ExecEvent[] = [];
  const perThread: KgramWindow[] = [];
  const images = id.images;
  // the first exec of a forked process is its parent's fork+exec (when the process still ran the parent's program)
  const firstExec = images.length > 1 && id.forked ? images[1]!.from : -1;
  const activity = (img: TraceImage, exited: boolean): ProcessActivity => {
    const exe = img.exe ?? TRACE_PROGRAM;
    return {
      pid,
      ppid: id.ppid,
      startTimeNs: pid,
      exe,
      exeHash: null,
      comm: img.exe ? basename(img.exe).slice(0, 15) : (id.comm ?? 'traced-program'),
      uid: id.uid,
      gid: id.uid,
      cgroup: '',
      containerId: null,
      ancestry: [...id.ancestry, '/usr/lib/systemd/systemd'],
      exited,
      exitCode: exited ? (id.exitCode ?? 0) : null,
      syscalls: {},
      sequences: { k: o.k, ngrams: [] },
      files: [],
      execs: [],
      network: [],
      security: [],
      argv: img.argv,
      ancestorPids: id.ancestorPids.length ? [...id.ancestorPids, 1] : null,
    };
  };
  let r = 0;
  for (let start = 0; start < ids.length || (start === 0 && ids.length === 0); start += o.windowCalls) {
    const end = Math.min(ids.length, start + o.windowCalls);
    const syscalls: Record<string, number> = {};
    const counts = new Map<number, number>();
    for (let i = start; i < end; i++) {
      syscalls[tokens[i]!] = (syscalls[tokens[i]!] ?? 0) + 1;
      const h = (perThread[threads?.[i] ?? 0] ??= new KgramWindow(o.k)).push(ids[i]!);
      if (h !== undefined) counts.set(h, (counts.get(h) ?? 0) + 1);
    }
    const ngrams = [...counts].map(([hash, count]) => ({ hash, count }));
    const w = activity(imageAt(images, Math.max(start, end - 1)), end >= ids.length);
    w.syscalls = syscalls;
    w.sequences = { k: o.k, ngrams };
    // the records of the window's calls; an exec in place of another program seals what the earlier image recorded
    let image = imageAt(images, start);
    let current = activity(image, false);
    const kept: ProcessActivity[] = [];
    const last = end >= ids.length ? Number.POSITIVE_INFINITY : end;
    for (; r < id.records.length && id.records[r]!.at < last; r++) {
      const rec = id.records[r]!;
      if (rec.kind === 'exec') {
        const exec: ExecEvent = { time: 0, filename: rec.filename, argv: rec.argv, ret: rec.ret };
        if (rec.at === firstExec) {
          // the parent's fork+exec: what the child did before it stays with the child's window
          parentExecs.push(exec);
          kept.push(current);
          image = imageAt(images, rec.at);
          current = activity(image, false);
          continue;
        }
        if (rec.ret === 0) {
          const next = imageAt(images, rec.at);
          const earlier = current;
          current = activity(next, false);
          // as the agent: a program that re-execs itself, or an image it never knew, keeps its records
          if (image.exe === null || next.exe === image.exe) merge(current, earlier);
          else {
            for (const k of kept) merge(earlier, k);
            kept.length = 0;
            if (earlier.files.length || earlier.execs.length || earlier.network.length || earlier.security.length) out.push(earlier);
          }
          image = next;
        }
        current.execs.push(exec);
      } else if (rec.kind === 'open') addFile(current, rec.path, rec.flags, rec.ret);
      else if (rec.kind === 'net') addNet(current, rec.op, rec.family, rec.addr, rec.port, rec.ret);
      else current.security.push({ time: 0, kind: rec.event, ret: rec.ret, args: rec.args });
    }
    for (const k of [...kept, current]) merge(w, k);
    out.push(w);
    mains.push(w);
    if (ids.length === 0) break;
  }
  return { windows: out, mains, parentExecs };
}

/** Moves the records of `from` onto `into`. */
function merge(into: ProcessActivity, from: ProcessActivity): void {
  into.files.push(...from.files);
  into.execs.push(...from.execs);
  into.network.push(...from.network);
  into.security.push(...from.security);
}

/** Each window's aggregated opens and network calls by key, so adding one is not a scan of the window's list. */
const aggregates = new WeakMap<ProcessActivity, Map<string, { count: number }>>();

function aggregate<T extends { count: number }>(p: ProcessActivity, key: string, list: T[], make: () => T): void {
  let by = aggregates.get(p);
  if (!by) aggregates.set(p, (by = new Map()));
  const seen = by.get(key);
  if (seen) seen.count++;
  else {
    const e = make();
    by.set(key, e);
    list.push(e);
  }
}

/** Adds an open to a window, aggregated by (path, flags, result) as the agent does. */
function addFile(p: ProcessActivity, path: string, flags: number, ret: number): void {
  const result = ret >= 0 ? 0 : ret;
  aggregate(p, `f\u0000${path}\u0000${flags}\u0000${result}`, p.files, () => ({ path, flags, ret: result, count: 1, firstSeen: 0 }));
}

/** Adds a network call to a window, aggregated by (op, family, address, port, result). */
function addNet(p: ProcessActivity, op: NetworkOp['op'], family: NetworkOp['family'], addr: string, port: number, ret: number): void {
  const result = ret >= 0 ? 0 : ret;
  aggregate(p, `n\u0000${op}\u0000${family}\u0000${addr}\u0000${port}\u0000${result}`, p.network, () => ({ op, family, addr, port, ret: result, count: 1, firstSeen: 0 }));
}

/** One agent batch holding one process-window at event time `time` (ms). */
export function traceBatch(proc: ProcessActivity, sequence: number, time: number, windowMs: number): TelemetryBatch {
  return {
    endpointId: TRACE_ENDPOINT,
    agentVersion: 'backtest',
    batchId: `backtest-${sequence}`,
    sequence,
    windowStart: time - windowMs,
    windowEnd: time,
    host: { hostname: 'backtest', kernel: 'backtest', bootId: 'backtest', os: '' },
    processes: [stamped(proc, time)],
    drops: {},
    agentStats: {},
  };
}

/** The process-window with its records timed at the batch's event time (a trace has no clock the engine could use). */
function stamped(p: ProcessActivity, time: number): ProcessActivity {
  if (!p.files.length && !p.execs.length && !p.network.length && !p.security.length) return p;
  return {
    ...p,
    files: p.files.map((f) => ({ ...f, firstSeen: time })),
    execs: p.execs.map((e) => ({ ...e, time })),
    network: p.network.map((n) => ({ ...n, firstSeen: time })),
    security: p.security.map((x) => ({ ...x, time })),
  };
}
