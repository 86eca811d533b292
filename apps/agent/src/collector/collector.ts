import {
  DROP_CAUSES,
  EventType,
  decodeBatch,
  type DropCause,
  type ExecEvent,
  type NetEvent,
  type OpenEvent,
  type VigilEvent,
  type VigilProbe,
} from '@vigil/bpf';
import type { SecurityRecordEvent } from '../output/records';
import type { ProcessEntry, ProcessTable } from '../process/process-table';
import { isShellExe, stdioSocket, type StdioSocket } from '../process/stdio-socket';

/**
 * Whether a successful exec was made by a fork child still running its parent's image (fork+exec),
 * so that the parent program is the caller. `before` is the process's entry before the exec. A
 * process that already exec'd once (`forked: false` after an exec) runs its own image even when it
 * is the parent's program again (bash started by bash, then `exec sleep`): its execs are its own.
 */
export function execCallerIsParent(
  ret: number,
  before: (Pick<ProcessEntry, 'exe'> & Partial<Pick<ProcessEntry, 'forked'>>) | undefined,
  parent: Pick<ProcessEntry, 'exe' | 'pid'> | undefined,
  selfPid: number,
): boolean {
  return ret === 0 && parent !== undefined && parent.pid !== selfPid && before !== undefined && before.forked !== false && before.exe !== '' && before.exe === parent.exe;
}

/** What the collector hands to the capture printer or the batch builder. */
export interface CollectorSink {
  /**
   * An exec of `proc`. `caller` is the program that made it: after fork+exec (the image being replaced
   * is still the parent's) that is the parent process, so the edge parent → child belongs to the
   * parent's activity; otherwise (a failed exec, an exec without fork) `proc` itself. `previous` is
   * the process as it was before a successful exec (its earlier image).
   */
  onExec(proc: ProcessEntry, ev: ExecEvent, parentExe: string, caller: ProcessEntry, previous?: ProcessEntry): void;
  onOpen(proc: ProcessEntry, ev: OpenEvent): void;
  /** A batch of records is about to be dispatched (they were all pending at the same moment). */
  onBatch?(): void;
  onNet(proc: ProcessEntry, ev: NetEvent): void;
  /**
   * A security record: argument values, or paths (chmod, rename, … and an exec's LD_* variables).
   * `running` tells which live processes run a path (an unlink of a running program's executable).
   */
  onSecurity(proc: ProcessEntry, ev: SecurityRecordEvent, running?: RunningExe): void;
  /** A security record the agent itself observed rather than the kernel recorded (`stdio_socket`: a shell started on an inet socket). */
  onAgentSecurity(proc: ProcessEntry, kind: string, args: Record<string, string>): void;
  /** The process exited and its counts are final (after this it is forgotten). */
  onProcessEnd(proc: ProcessEntry): void;
}

/** Live processes by executable (the process table). */
export interface RunningExe {
  runningExe(path: string): number[];
}

/** Self-metrics of the collector. */
export interface CollectorStats {
  /** Ring-buffer records received, by kind. */
  records: Record<string, number>;
  recordsTotal: number;
  batches: number;
  /** Syscalls the agent itself made (counted by the kernel, never reported as a process). */
  selfSyscalls: number;
}

/** Total of a drop record. */
export function sumDrops(d: Partial<Record<DropCause, number>>): number {
  return Object.values(d).reduce((s, n) => s + (n ?? 0), 0);
}

const KIND: Record<number, string> = {
  [EventType.Fork]: 'fork',
  [EventType.Exec]: 'exec',
  [EventType.Exit]: 'exit',
  [EventType.Open]: 'open',
  [EventType.Net]: 'net',
  [EventType.Security]: 'security',
  [EventType.Path]: 'path',
};

/** Nothing the agent reports carries the kernel's record time: it is not decoded (see DecodeOptions). */
const NO_TIMESTAMPS = { timestamps: false } as const;

/**
 * Drives the probe: drains the ring buffer into the process table and the sink, and syncs the
 * kernel's cumulative counts into the table. A process's counts are final once its exit record has
 * been seen *before* a sync starts: the exit tracepoint fires after the last syscall of the last
 * thread, so the following dump holds everything; then its map keys are deleted.
 */
export class Collector {
  readonly stats: CollectorStats = { records: {}, recordsTotal: 0, batches: 0, selfSyscalls: 0 };
  private exitedSinceSync: number[] = [];
  /** Cumulative kernel drops by cause (whole host). */
  drops: Record<DropCause, number> = Object.fromEntries(DROP_CAUSES.map((c) => [c, 0])) as Record<DropCause, number>;
  /** Host-wide losses not attributable to any process (cumulative). */
  unattributedDrops = 0;
  private forgottenDrops = 0;

  constructor(
    private readonly probe: VigilProbe,
    private readonly table: ProcessTable,
    private readonly sink: CollectorSink,
    private readonly selfPid: number,
    /** Looks up a process's standard input as an inet socket (injectable for tests). */
    private readonly stdio: (pid: number) => StdioSocket | null = stdioSocket,
  ) {}

  /** Wait up to timeoutMs for records, then handle every record pending. Returns how many. */
  async pump(timeoutMs: number): Promise<number> {
    const batch = await this.probe.poll(timeoutMs);
    if (batch.length === 0) return 0;
    this.stats.batches++;
    const { events, undecodable } = decodeBatch(batch, NO_TIMESTAMPS);
    this.sink.onBatch?.();
    for (const ev of events) this.dispatch(ev);
    if (undecodable) this.count('unknown', undecodable);
    return events.length + undecodable;
  }

  private count(kind: string, n: number): void {
    this.stats.records[kind] = (this.stats.records[kind] ?? 0) + n;
    this.stats.recordsTotal += n;
  }

  private dispatch(ev: VigilEvent): void {
    this.count(KIND[ev.type] ?? 'unknown', ev.type === EventType.Open ? (ev.count ?? 1) : 1); // an aggregated open stands for n records
    switch (ev.type) {
      case EventType.Fork:
        this.table.onFork(ev);
        return;
      case EventType.Exec: {
        const before = this.table.get(ev.tgid);
        const parent = this.table.get(ev.ppid);
        const parentExe = parent?.exe ?? before?.ancestry[0] ?? '';
        const callerIsParent = execCallerIsParent(ev.ret, before, parent, this.selfPid);
        // the image being replaced, as it was (the table updates the entry in place)
        const previous = before && ev.ret === 0 ? { ...before } : undefined;
        const proc = this.table.onExec(ev);
        if (ev.tgid === this.selfPid) return;
        this.sink.onExec(proc, ev, parentExe, callerIsParent && parent ? parent : proc, previous);
        // a shell started with its input on a network socket is a remote shell, whatever set it up
        if (ev.ret === 0 && isShellExe(proc.exe)) {
          const s = this.stdio(ev.tgid);
          if (s) this.sink.onAgentSecurity(proc, 'stdio_socket', { peer: s.peer, fds: s.fds.join(',') });
        }
        return;
      }
      case EventType.Exit:
        this.table.onExit(ev);
        this.exitedSinceSync.push(ev.tgid);
        return;
      case EventType.Open:
        if (ev.tgid !== this.selfPid) this.sink.onOpen(this.table.ensure(ev.tgid), ev);
        return;
      case EventType.Net:
        if (ev.tgid !== this.selfPid) this.sink.onNet(this.table.ensure(ev.tgid), ev);
        return;
      case EventType.Security:
      case EventType.Path:
        if (ev.tgid !== this.selfPid) this.sink.onSecurity(this.table.ensure(ev.tgid), ev, this.table);
        return;
    }
  }

  /** Exit records seen since the last sync: those processes' counts wait for a sync to be final. */
  get pendingExits(): number {
    return this.exitedSinceSync.length;
  }

  /**
   * Copy the kernel's cumulative counts into the table; report and forget processes whose exit was
   * seen before this call. `final` reports nothing itself (the caller reports the rest).
   */
  sync(): void {
    const finished = this.exitedSinceSync;
    this.exitedSinceSync = [];

    const activity = this.probe.activity();
    for (const e of this.table.entries()) e.syscalls = new Map();
    let self = 0;
    for (const c of activity.syscalls) {
      if (c.tgid === this.selfPid) {
        self += c.count;
        continue;
      }
      this.table.ensure(c.tgid).syscalls.set(c.key, c.count);
    }
    this.stats.selfSyscalls = self;
    if (this.probe.options.ngramK > 0) {
      for (const e of this.table.entries()) e.ngrams = new Map();
      for (const c of activity.ngrams) {
        if (c.tgid === this.selfPid) continue;
        this.table.get(c.tgid)?.ngrams.set(c.key, c.count);
      }
    }
    let attributed = this.forgottenDrops;
    for (const [tgid, d] of this.probe.dropsByProcess()) {
      attributed += sumDrops(d);
      const e = this.table.get(tgid);
      if (e) e.drops = d;
    }
    this.drops = this.probe.drops();
    // losses the per-process map could not attribute (it was full) belong to no known process
    this.unattributedDrops = Math.max(0, sumDrops(this.drops) - attributed);

    for (const pid of finished) {
      const e = this.table.get(pid);
      if (!e) continue;
      if (pid !== this.selfPid) this.sink.onProcessEnd(e);
      this.forgottenDrops += sumDrops(e.drops);
      this.table.remove(pid);
    }
    this.probe.forgetProcesses(finished);
  }
}
