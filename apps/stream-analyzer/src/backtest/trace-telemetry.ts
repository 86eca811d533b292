import { KGRAM_DISTINCT_CALLS, KgramWindow } from '@vigil/schemas';
import type { ProcessActivity, TelemetryBatch } from '../detection/telemetry';

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
 * The process-windows of one traced process as the agent reports them: per window exact call counts
 * (by token) and k-gram counts under the kernel's hash. The windows are one process run (same pid
 * and start time), so the engine sees them as one process over time. As in the kernel, the k-gram
 * window runs per thread (`threads`: the thread of each call; absent, one thread) and on across
 * batch boundaries: a window's k-grams are those ending in it.
 */
export function traceWindows(tokens: string[], ids: number[], pid: number, o: TraceTelemetryOptions, threads?: readonly number[]): ProcessActivity[] {
  const out: ProcessActivity[] = [];
  const perThread: KgramWindow[] = [];
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
    out.push({
      pid,
      ppid: 1,
      startTimeNs: pid,
      exe: TRACE_PROGRAM,
      exeHash: null,
      comm: 'traced-program',
      uid: 1000,
      gid: 1000,
      cgroup: '',
      containerId: null,
      ancestry: ['/usr/lib/systemd/systemd'],
      exited: end >= ids.length,
      exitCode: end >= ids.length ? 0 : null,
      syscalls,
      sequences: { k: o.k, ngrams },
      files: [],
      execs: [],
      network: [],
      security: [],
      argv: null,
      ancestorPids: null,
    });
    if (ids.length === 0) break;
  }
  return out;
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
    processes: [proc],
    drops: {},
    agentStats: {},
  };
}
