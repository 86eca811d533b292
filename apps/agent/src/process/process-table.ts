import type { DropCause, ExecEvent, ExitEvent, ForkEvent } from '@vigil/bpf';
import { listPids, readCgroup, readProc, containerIdFromCgroup, type ProcSnapshot } from './proc-reader';

/** One process the agent knows about (seeded from /proc or learned from fork/exec events). */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  startNs: number;
  exe: string;
  /** sha256 of the executable (null until the hasher has it, or when it cannot: see ExeHasher). */
  exeHash: string | null;
  comm: string;
  /** Every comm this process had (before and after execs), for --comm matching. */
  comms: Set<string>;
  cmdline: string[];
  uid: number;
  gid: number;
  cgroup: string;
  containerId: string | null;
  /** exe of parent, grandparent, … up to init — captured when the process was first seen. */
  ancestry: string[];
  /** pids of `ancestry`, parent first (same length): lineage through parents idle in a window. */
  ancestorPids: number[];
  /** Chosen by the capture filter (itself or an ancestor matched). */
  selected: boolean;
  exited: boolean;
  exitCode: number | null;
  /** Cumulative kernel counts since the probe was loaded. */
  syscalls: Map<number, number>;
  ngrams: Map<number, number>;
  drops: Partial<Record<DropCause, number>>;
  /** Known only from a count or record: /proc had nothing (it exited before we looked). */
  partial: boolean;
  /**
   * Still running the image it was forked with (its parent's): created by a fork event and no exec
   * since. An exec then is the parent's fork+exec; after one (false), further execs are the
   * process's own. Undefined for processes found in /proc, whose history is unknown.
   */
  forked?: boolean;
}

/** Who hashes the images processes run (ExeHasher): request() must only queue. */
export interface ImageHasher {
  /** `background`: found in /proc (not seen exec'ing): served after the execs. */
  request(e: ProcessEntry, background?: boolean): void;
}

/** Which processes a capture reports (none given: all but the agent). */
export interface ProcessFilter {
  pid?: number;
  comm?: string;
}

/**
 * The agent's view of the process tree. Seeded from /proc (so processes older than the agent have
 * exe, parent and ancestry) and then kept current by fork/exec/exit events from the kernel.
 */
export class ProcessTable {
  private readonly byPid = new Map<number, ProcessEntry>();

  constructor(
    private readonly filter: ProcessFilter,
    private readonly selfPid: number,
    private readonly procRoot = '/proc',
    private readonly hasher?: ImageHasher,
  ) {}

  get size(): number {
    return this.byPid.size;
  }

  get(pid: number): ProcessEntry | undefined {
    return this.byPid.get(pid);
  }

  entries(): IterableIterator<ProcessEntry> {
    return this.byPid.values();
  }

  /**
   * Pids (at most `max`) of live processes whose executable is `path`: what an unlink of `path`
   * deletes from under a running program (a dropper removing itself after start). A scan: unlinks
   * that succeed are rare next to the table's few hundred entries.
   */
  runningExe(path: string, max = 8): number[] {
    const out: number[] = [];
    for (const e of this.byPid.values()) {
      if (!e.exited && e.exe === path) {
        out.push(e.pid);
        if (out.length >= max) break;
      }
    }
    return out;
  }

  private matches(e: Pick<ProcessEntry, 'pid' | 'comms'>): boolean {
    if (e.pid === this.selfPid) return false;
    if (this.filter.pid === undefined && this.filter.comm === undefined) return true;
    if (this.filter.pid !== undefined && e.pid === this.filter.pid) return true;
    return this.filter.comm !== undefined && e.comms.has(this.filter.comm);
  }

  private fromSnapshot(s: ProcSnapshot, partial = false): ProcessEntry {
    return {
      pid: s.pid,
      ppid: s.ppid,
      startNs: s.startNs,
      exe: s.exe,
      exeHash: null,
      comm: s.comm,
      comms: new Set([s.comm]),
      cmdline: s.cmdline,
      uid: s.uid,
      gid: s.gid,
      cgroup: s.cgroup,
      containerId: s.containerId,
      ancestry: [],
      ancestorPids: [],
      selected: false,
      exited: false,
      exitCode: null,
      syscalls: new Map(),
      ngrams: new Map(),
      drops: {},
      partial,
    };
  }

  /** exe and pid of pid's parent, grandparent, … as currently in the table (reading /proc for gaps). */
  private lineageFrom(ppid: number): Pick<ProcessEntry, 'ancestry' | 'ancestorPids'> {
    const ancestry: string[] = [];
    const ancestorPids: number[] = [];
    let pid = ppid;
    while (pid > 0 && !ancestorPids.includes(pid) && ancestry.length < 64) {
      const e = this.byPid.get(pid) ?? this.lookup(pid);
      if (!e) break;
      ancestry.push(e.exe || e.comm);
      ancestorPids.push(pid);
      pid = e.ppid;
    }
    return { ancestry, ancestorPids };
  }

  private selectedByLineage(e: ProcessEntry): boolean {
    if (e.pid === this.selfPid) return false;
    if (this.matches(e)) return true;
    const parent = this.byPid.get(e.ppid);
    return parent !== undefined && parent.pid !== this.selfPid && parent.selected;
  }

  /** Read one process from /proc into the table (no ancestry/selection yet). */
  private lookup(pid: number): ProcessEntry | undefined {
    const s = readProc(pid, this.procRoot);
    if (!s) return undefined;
    const e = this.fromSnapshot(s);
    this.byPid.set(pid, e);
    if (e.exe.startsWith('/')) this.hasher?.request(e, true);
    return e;
  }

  /** Load every process in /proc, then compute ancestry and selection top-down. */
  seedFromProc(): void {
    for (const pid of listPids(this.procRoot)) if (!this.byPid.has(pid)) this.lookup(pid);
    const sorted = [...this.byPid.values()].sort((a, b) => a.startNs - b.startNs || a.pid - b.pid);
    for (const e of sorted) {
      Object.assign(e, this.lineageFrom(e.ppid));
      e.selected = this.selectedByLineage(e);
    }
  }

  /** The entry for pid, read from /proc if unknown, or a placeholder if it is already gone. */
  ensure(pid: number): ProcessEntry {
    const known = this.byPid.get(pid);
    if (known) return known;
    const e =
      this.lookup(pid) ??
      this.fromSnapshot({ pid, ppid: 0, comm: '', exe: '', cmdline: [], uid: -1, gid: -1, startNs: 0, cgroup: '', containerId: null }, true);
    this.byPid.set(pid, e);
    Object.assign(e, this.lineageFrom(e.ppid));
    e.selected = this.selectedByLineage(e);
    return e;
  }

  onFork(ev: ForkEvent): ProcessEntry {
    const parent = this.ensure(ev.tgid);
    const child: ProcessEntry = {
      ...this.fromSnapshot({
        pid: ev.childTgid,
        ppid: ev.tgid,
        comm: ev.comm,
        exe: parent.exe,
        cmdline: parent.cmdline,
        uid: ev.uid,
        gid: ev.gid,
        startNs: Number(ev.childStartNs),
        cgroup: parent.cgroup,
        containerId: parent.containerId,
      }),
      ancestry: [parent.exe || parent.comm, ...parent.ancestry].slice(0, 64),
      ancestorPids: [parent.pid, ...parent.ancestorPids].slice(0, 64),
      forked: true,
      // the parent's image: its hash, or (not known yet) a request that the cache answers
      exeHash: parent.exeHash,
    };
    const prev = this.byPid.get(ev.childTgid);
    if (prev && !prev.exited && prev.startNs !== 0 && Math.abs(prev.startNs - child.startNs) < 20e6) {
      // Read from /proc after the fork (the start-up seed, or a counts sync that met the new tgid in
      // the kernel's map before its fork record was dispatched). The records queued behind this fork
      // replay whatever /proc already showed (its exec among them), so the process goes back to the
      // state the fork gave it: its parent's image, freshly forked. Keeping /proc's image made its
      // first exec look like an exec in place, and the edge parent → child went to the child (a
      // routine `bash -c '…; date'` became "date started bash": 5 of 810 spawns under `agent capture`).
      prev.ancestry = child.ancestry;
      prev.ancestorPids = child.ancestorPids;
      prev.ppid = child.ppid;
      prev.exe = child.exe;
      prev.cmdline = child.cmdline;
      prev.exeHash = child.exeHash;
      prev.forked = true;
      prev.selected = this.selectedByLineage(prev);
      return prev;
    }
    this.byPid.set(child.pid, child);
    child.selected = this.selectedByLineage(child);
    if (child.exeHash === null && child.exe.startsWith('/')) this.hasher?.request(child);
    return child;
  }

  /** Apply an exec; returns the entry and the exe before the exec (the parent_exe of a fresh child is its parent's). */
  onExec(ev: ExecEvent): ProcessEntry {
    const e = this.ensure(ev.tgid);
    if (ev.ret !== 0) return e;
    e.exe = ev.exe || e.exe;
    e.exeHash = null;
    this.hasher?.request(e);
    e.comm = ev.comm;
    e.comms.add(ev.comm);
    e.cmdline = ev.argv;
    e.forked = false;
    e.uid = ev.uid;
    e.gid = ev.gid;
    if (ev.ppid && ev.ppid !== e.ppid) {
      e.ppid = ev.ppid;
      Object.assign(e, this.lineageFrom(ev.ppid));
    }
    if (!e.cgroup) {
      e.cgroup = readCgroup(e.pid, this.procRoot);
      e.containerId = containerIdFromCgroup(e.cgroup);
    }
    e.partial = false;
    e.selected = e.selected || this.selectedByLineage(e);
    return e;
  }

  onExit(ev: ExitEvent): ProcessEntry {
    const e = this.ensure(ev.tgid);
    e.exited = true;
    e.exitCode = ev.exitCode;
    return e;
  }

  /** Forget a process that exited and was reported (its children keep their ancestry snapshot). */
  remove(pid: number): void {
    this.byPid.delete(pid);
  }
}
