import { syscallName, type ExecEvent, type NetEvent, type OpenEvent, type SecurityEvent } from '@vigil/bpf';
import type { CollectorSink } from '../collector/collector';
import { familyName, netOp, securityDetails } from '../output/records';
import type { ProcessEntry } from '../process/process-table';
import type { AddressFamily, ExecRecord, FileOpen, NetOpKind, NetworkOp, ProcessActivity, SecurityRecord } from './telemetry-batch';
import { securityRet } from './security-ret';

/** Per-process records of the current window. */
interface WindowRecords {
  /** By path, then (flags, result): one entry per distinct triple, most paths have one. */
  files: Map<string, FileOpen | FileOpen[]>;
  execs: ExecRecord[];
  network: Map<string, NetworkOp>;
  security: SecurityRecord[];
}

/** What was last reported of a process's cumulative counts (windows carry deltas). */
interface Reported {
  syscalls: Map<number, number>;
  ngrams: Map<number, number>;
}

const FAMILY: Record<string, AddressFamily> = { inet: 'INET', inet6: 'INET6', unix: 'UNIX', other: 'OTHER' };
const OP: Record<string, NetOpKind> = { connect: 'CONNECT', accept: 'ACCEPT', bind: 'BIND', listen: 'LISTEN' };

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
 */
export class WindowBuilder implements CollectorSink {
  private records = new Map<number, WindowRecords>();
  private reported = new Map<number, Reported>();
  /** Processes that ended in this window, with their final state. */
  private ended: ProcessEntry[] = [];
  /** Wall-clock ms at which the batch being dispatched was handed over (0 before the first). */
  private now = 0;

  constructor(private readonly ngramK: number) {}

  private rec(pid: number): WindowRecords {
    let r = this.records.get(pid);
    if (!r) {
      r = { files: new Map(), execs: [], network: new Map(), security: [] };
      this.records.set(pid, r);
    }
    return r;
  }

  /** Recorded on the calling program (see CollectorSink.onExec): its baseline learns what it starts. */
  onExec(p: ProcessEntry, ev: ExecEvent, _parentExe: string, caller: ProcessEntry = p): void {
    this.rec(caller.pid).execs.push({ time: Date.now(), filename: ev.ret === 0 ? ev.exe || ev.filename : ev.filename, argv: ev.argv, ret: ev.ret });
  }

  /** Records of one batch were pending together: one clock read serves them (firstSeen, ms). */
  onBatch(): void {
    this.now = Date.now();
  }

  onOpen(p: ProcessEntry, ev: OpenEvent): void {
    const ret = ev.ret >= 0 ? 0 : ev.ret;
    const n = ev.count ?? 1;
    const files = this.rec(p.pid).files;
    const known = files.get(ev.path);
    if (known === undefined) {
      files.set(ev.path, { path: ev.path, flags: ev.flags, ret, count: n, firstSeen: this.now || Date.now() });
      return;
    }
    const list = Array.isArray(known) ? known : [known];
    const f = list.find((x) => x.flags === ev.flags && x.ret === ret);
    if (f) {
      f.count += n;
      return;
    }
    list.push({ path: ev.path, flags: ev.flags, ret, count: n, firstSeen: this.now || Date.now() });
    if (list.length === 2) files.set(ev.path, list);
  }

  onNet(p: ProcessEntry, ev: NetEvent): void {
    const op = OP[netOp(ev)] ?? 'OTHER';
    const family = FAMILY[familyName(ev.family)] ?? 'OTHER';
    const ret = ev.ret >= 0 && op === 'ACCEPT' ? 0 : ev.ret;
    const key = `${op}\0${family}\0${ev.addr}\0${ev.port}\0${ret}`;
    const net = this.rec(p.pid).network;
    const n = net.get(key);
    if (n) n.count++;
    else net.set(key, { op, family, addr: ev.addr, port: ev.port, ret, count: 1, firstSeen: Date.now() });
  }

  onSecurity(p: ProcessEntry, ev: SecurityEvent): void {
    const { kind, args } = securityDetails(ev);
    this.rec(p.pid).security.push({ time: Date.now(), kind, ret: securityRet(ev.ret), args });
  }

  onProcessEnd(p: ProcessEntry): void {
    this.ended.push({ ...p, syscalls: new Map(p.syscalls), ngrams: new Map(p.ngrams) });
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
      out.push({
        pid: p.pid,
        ppid: p.ppid,
        startTimeNs: Math.round(p.startNs),
        exe: p.exe,
        exeHash: null,
        comm: p.comm,
        uid: p.uid,
        gid: p.gid,
        cgroup: p.cgroup,
        containerId: p.containerId,
        ancestry: p.ancestry,
        exited: p.exited,
        exitCode: p.exitCode,
        syscalls: Object.fromEntries([...syscalls].map(([nr, n]) => [syscallName(nr), n])),
        sequences: { k: this.ngramK, ngrams: [...ngrams].map(([hash, count]) => ({ hash, count })) },
        files: recs ? [...recs.files.values()].flat() : [],
        execs: recs?.execs ?? [],
        network: [...(recs?.network.values() ?? [])],
        security: recs?.security ?? [],
      });
      if (endedPids.has(p.pid)) this.reported.delete(p.pid);
      else this.reported.set(p.pid, { syscalls: new Map(p.syscalls), ngrams: new Map(p.ngrams) });
    }
    this.records = new Map();
    this.ended = [];
    return out;
  }
}
