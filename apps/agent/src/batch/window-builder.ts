import type { ExecEvent, NetEvent, OpenEvent } from '@vigil/bpf';
import type { CollectorSink, RunningExe } from '../collector/collector';
import { executedPath } from './executed-path';
import { FileOpens } from './file-opens';
import { familyName, netOp, securityDetails, withRunningExe, type SecurityRecordEvent } from '../output/records';
import type { ProcessEntry } from '../process/process-table';
import { namedSyscallCounts, type AddressFamily, type ExecEvent as ExecRecord, type NetOpKind, type NetworkOp, type ProcessActivity, type SecurityEvent as SecurityRecord } from '@vigil/schemas';
import { securityRet } from './security-ret';
import { OpenUrgency, urgentNet } from './urgent-events';
import { UrgentLimiter, type UrgentLimits } from './urgent-limiter';

/** The urgent path: which records leave at once, and at what rate. */
export interface UrgentOptions extends UrgentLimits {
  /** Paths read-opens of which are urgent, beyond the built-in list (prefixes, `*` = one component). */
  extraPaths?: readonly string[];
}

/** Per-process records of the current window. */
interface WindowRecords {
  /** One entry per distinct (path, flags, result). */
  files: FileOpens;
  execs: ExecRecord[];
  network: Map<string, NetworkOp>;
  security: SecurityRecord[];
  /** Keys (kind, ret, args) of the security records above: a repeat within the window is sent once. */
  securitySeen: Set<string>;
}

/** What was last reported of a process's cumulative counts (windows carry deltas). */
interface Reported {
  syscalls: Map<number, number>;
  ngrams: Map<number, number>;
}

const FAMILY: Record<string, AddressFamily> = { inet: 'INET', inet6: 'INET6', unix: 'UNIX', other: 'OTHER' };
const OP: Record<string, NetOpKind> = { connect: 'CONNECT', accept: 'ACCEPT', bind: 'BIND', listen: 'LISTEN' };

function emptyRecords(): WindowRecords {
  return { files: new FileOpens(), execs: [], network: new Map(), security: [], securitySeen: new Set() };
}

/** The argv of the image a process runs now (null when the agent never learned it). */
function argvOf(p: ProcessEntry): string[] | null {
  return p.cmdline.length > 0 ? p.cmdline : null;
}


function delta(now: Map<number, number>, before: Map<number, number> | undefined): Map<number, number> {
  const out = new Map<number, number>();
  for (const [k, n] of now) {
    const d = n - (before?.get(k) ?? 0);
    if (d > 0) out.set(k, d);
  }
  return out;
}

/**
 * Assembles per-process activity per time window: argument records as they arrive (aggregated like
 * the schema says), counts as deltas of the kernel's cumulative counts at window end.
 *
 * With `urgent` options, records a known-bad rule can match (execs, security records, sensitive
 * opens, inet network calls; see urgent-events.ts) are kept apart and handed over by takeUrgent()
 * within a fraction of a second, as process-windows with only those records and no counts. They are
 * not repeated in the window: every record travels once, so the analyzer counts it once (a
 * process-window without counts teaches the syscall and sequence profiles nothing, see
 * FrequencyProfile.learn and NgramBagProfile). Over the rate limits they simply wait for the window.
 */
export class WindowBuilder implements CollectorSink {
  private records = new Map<number, WindowRecords>();
  private reported = new Map<number, Reported>();
  /** Urgent records pending, with the process as it is now (what the urgent batch reports). */
  private urgent = new Map<number, { p: ProcessEntry; recs: WindowRecords }>();
  /** Wall-clock ms of the oldest urgent record pending (0 = none). */
  private urgentSinceMs = 0;
  /**
   * Records of images replaced by an exec in place, reported as the image that made them (a shell's
   * children before it execs its last command): process-windows for batches of their own, ahead of
   * the urgent batch, since a batch holds one process-window per pid.
   */
  private sealed: ProcessActivity[] = [];
  /** Processes that ended in this window, with their final state. */
  private ended: ProcessEntry[] = [];
  /** Wall-clock ms at which the batch being dispatched was handed over (0 before the first). */
  private now = 0;
  private readonly openUrgency: OpenUrgency | undefined;
  readonly limiter: UrgentLimiter | undefined;

  constructor(
    private readonly ngramK: number,
    urgent?: UrgentOptions,
  ) {
    if (urgent) {
      this.openUrgency = new OpenUrgency(urgent.extraPaths);
      this.limiter = new UrgentLimiter(urgent);
    }
  }

  private rec(pid: number): WindowRecords {
    let r = this.records.get(pid);
    if (!r) {
      r = emptyRecords();
      this.records.set(pid, r);
    }
    return r;
  }

  /** The urgent records of `p` (marks the urgent batch as pending). */
  private urgentRec(p: ProcessEntry): WindowRecords {
    let u = this.urgent.get(p.pid);
    if (!u) {
      u = { p, recs: emptyRecords() };
      this.urgent.set(p.pid, u);
    }
    u.p = p;
    if (this.urgentSinceMs === 0) this.urgentSinceMs = Date.now();
    return u.recs;
  }

  /** Where a record of `p` goes: the urgent batch when it is urgent and within the limits, else the window. */
  private target(p: ProcessEntry, urgent: boolean): WindowRecords {
    return urgent && this.limiter?.admit(p.pid) ? this.urgentRec(p) : this.rec(p.pid);
  }

  /** Wall-clock ms of the oldest urgent record waiting for takeUrgent() (undefined: none). */
  get urgentSince(): number | undefined {
    return this.urgentSinceMs === 0 ? undefined : this.urgentSinceMs;
  }

  /**
   * Recorded on the calling program (see CollectorSink.onExec): its baseline learns what it starts.
   * On the urgent path the new image's process comes along (without records): the analyzer stores
   * its exe, argv and parent as soon as the exec is known.
   */
  onExec(p: ProcessEntry, ev: ExecEvent, _parentExe: string, caller: ProcessEntry = p, previous?: ProcessEntry): void {
    if (ev.ret === 0 && caller === p && previous && previous.exe !== '' && previous.exe !== p.exe) this.seal(p.pid, previous);
    const into = this.target(caller, this.limiter !== undefined);
    into.execs.push({ time: Date.now(), filename: executedPath(ev, p.pid), argv: ev.argv, ret: ev.ret });
    if (ev.ret === 0 && caller !== p && this.urgent.has(caller.pid)) this.urgentRec(p);
  }

  /**
   * The process replaced its image in place (`sh -c 'a; b'` execs b): what the earlier image recorded
   * and has not yet sent (children it started, files, network) goes as that image, so the analyzer
   * does not take b for the parent of a. Counts stay with the window (the kernel keeps one per process).
   */
  private seal(pid: number, previous: ProcessEntry): void {
    const u = this.urgent.get(pid);
    const w = this.records.get(pid);
    if (!u && !w) return;
    const recs = emptyRecords();
    for (const r of [w, u?.recs]) {
      if (!r) continue;
      for (const f of r.files.list()) recs.files.add(f.path, f.flags, f.ret, f.count, f.firstSeen);
      recs.execs.push(...r.execs);
      for (const [k, n] of r.network) recs.network.set(k, n);
      recs.security.push(...r.security);
    }
    this.urgent.delete(pid);
    this.records.delete(pid);
    this.sealed.push(this.activity(previous, new Map(), new Map(), recs, false));
    if (this.urgentSinceMs === 0) this.urgentSinceMs = Date.now();
  }

  /**
   * The sealed process-windows of replaced images (see {@link seal}), in batches whose pids are
   * distinct, oldest first: to be sent before takeUrgent()'s batch.
   */
  takeSealed(): ProcessActivity[][] {
    const batches: ProcessActivity[][] = [];
    for (const a of this.sealed) {
      // the first batch after the last one holding this pid: a later image goes after an earlier one
      let i = batches.length;
      while (i > 0 && !batches[i - 1]!.some((b) => b.pid === a.pid)) i--;
      (batches[i] ??= []).push(a);
    }
    this.sealed = [];
    return batches;
  }

  /** Records of one batch were pending together: one clock read serves them (firstSeen, ms). */
  onBatch(): void {
    this.now = Date.now();
  }

  /**
   * FileOpen.path is the decoded path: a relative one already absolute and lexical, joined to the
   * directory the kernel resolved it against (OpenEvent.path), so rules and urgency see /etc/shadow
   * for `cd /etc && cat shadow`; one the kernel could not resolve stays as the process spelt it.
   */
  onOpen(p: ProcessEntry, ev: OpenEvent): void {
    const files = this.target(p, this.openUrgency?.urgent(ev) === true).files;
    files.add(ev.path, ev.flags, ev.ret >= 0 ? 0 : ev.ret, ev.count ?? 1, this.now || Date.now());
  }

  onNet(p: ProcessEntry, ev: NetEvent): void {
    const op = OP[netOp(ev)] ?? 'OTHER';
    const family = FAMILY[familyName(ev.family)] ?? 'OTHER';
    const ret = ev.ret >= 0 && op === 'ACCEPT' ? 0 : ev.ret;
    const key = `${op}\0${family}\0${ev.addr}\0${ev.port}\0${ret}`;
    const net = this.target(p, this.limiter !== undefined && urgentNet(ev)).network;
    const n = net.get(key);
    if (n) n.count++;
    else net.set(key, { op, family, addr: ev.addr, port: ev.port, ret, count: 1, firstSeen: Date.now() });
  }

  onSecurity(p: ProcessEntry, ev: SecurityRecordEvent, running?: RunningExe): void {
    const ret = securityRet(ev.ret);
    const { kind, args } = withRunningExe(securityDetails(ev), ret, running);
    this.addSecurity(p, kind, ret, args);
  }

  onAgentSecurity(p: ProcessEntry, kind: string, args: Record<string, string>): void {
    this.addSecurity(p, kind, 0, args);
  }

  private addSecurity(p: ProcessEntry, kind: string, ret: number, args: Record<string, string>): void {
    // a process repeating the same call (a chmod/rename loop, rm of one path again and again) sends
    // it once a window, with its first time: a rule needs the occurrence, and each copy costs an
    // encode (bench/agent-overhead (e))
    const r = this.target(p, this.limiter !== undefined);
    const key = `${kind}\0${ret}\0${Object.entries(args).join('\0')}`;
    if (r.securitySeen.has(key)) return;
    r.securitySeen.add(key);
    r.security.push({ time: Date.now(), kind, ret, args });
  }

  onProcessEnd(p: ProcessEntry): void {
    this.ended.push({ ...p, syscalls: new Map(p.syscalls), ngrams: new Map(p.ngrams) });
    this.limiter?.forget(p.pid);
  }

  private activity(p: ProcessEntry, syscalls: Map<number, number>, ngrams: Map<number, number>, recs: WindowRecords | undefined, exited: boolean): ProcessActivity {
    return {
      pid: p.pid,
      ppid: p.ppid,
      startTimeNs: Math.round(p.startNs),
      exe: p.exe,
      exeHash: p.exeHash,
      comm: p.comm,
      uid: p.uid,
      gid: p.gid,
      cgroup: p.cgroup,
      containerId: p.containerId,
      ancestry: p.ancestry,
      exited,
      exitCode: exited ? p.exitCode : null,
      syscalls: namedSyscallCounts(syscalls),
      sequences: { k: this.ngramK, ngrams: [...ngrams].map(([hash, count]) => ({ hash, count })) },
      files: recs ? recs.files.list() : [],
      execs: recs?.execs ?? [],
      network: [...(recs?.network.values() ?? [])],
      security: recs?.security ?? [],
      argv: argvOf(p),
      ancestorPids: p.ancestorPids,
    };
  }

  /**
   * The urgent records pending, as process-windows without counts (counts and the exit travel with
   * the window, once). Empty when nothing is pending.
   */
  takeUrgent(): ProcessActivity[] {
    const out = [...this.urgent.values()].map(({ p, recs }) => this.activity(p, new Map(), new Map(), recs, false));
    this.urgent = new Map();
    this.urgentSinceMs = 0;
    return out;
  }

  /** Close the window: activity of every process that did something since the last call. */
  take(live: Iterable<ProcessEntry>, selfPid: number): ProcessActivity[] {
    const out: ProcessActivity[] = [];
    const endedPids = new Set(this.ended.map((e) => e.pid));
    for (const p of [...this.ended, ...[...live].filter((e) => !endedPids.has(e.pid))]) {
      if (p.pid === selfPid) continue;
      const before = this.reported.get(p.pid);
      const syscalls = delta(p.syscalls, before?.syscalls);
      const ngrams = delta(p.ngrams, before?.ngrams);
      const recs = this.records.get(p.pid);
      if (syscalls.size === 0 && !recs && !endedPids.has(p.pid)) continue;
      out.push(this.activity(p, syscalls, ngrams, recs, p.exited));
      if (endedPids.has(p.pid)) this.reported.delete(p.pid);
      else this.reported.set(p.pid, { syscalls: new Map(p.syscalls), ngrams: new Map(p.ngrams) });
    }
    this.records = new Map();
    this.ended = [];
    return out;
  }
}
