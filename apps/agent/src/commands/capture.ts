import { DROP_CAUSES, type ExecEvent, type NetEvent, type OpenEvent } from '@vigil/bpf';
import { Collector, sumDrops, type CollectorSink, type RunningExe } from '../collector/collector';
import { familyName, namedCounts, netOp, securityDetails, withRunningExe, type SecurityRecordEvent } from '../output/records';
import { ProcessTable, type ProcessEntry, type ProcessFilter } from '../process/process-table';
import { securityRet } from '../batch/security-ret';
import { startProbe } from '../system/start-probe';

/** Options of `agent capture`. */
export interface CaptureOptions extends ProcessFilter {
  /** Seconds; undefined = until SIGINT/SIGTERM. */
  durationS?: number;
  ringbufBytes?: number;
  ngramK?: number;
  btfPath: string;
  write?: (line: string) => void;
}

/** Prints the JSON lines of CONTRACTS.md for selected processes. */
class CapturePrinter implements CollectorSink {
  lines = 0;
  private readonly reported = new Set<number>();
  /** Losses attributed to selected processes (cumulative over reported ones). */
  selectedDrops = 0;

  constructor(private readonly write: (line: string) => void) {}

  private emit(obj: Record<string, unknown>): void {
    this.write(JSON.stringify(obj));
    this.lines++;
  }

  onExec(p: ProcessEntry, ev: ExecEvent, parentExe: string): void {
    if (!p.selected) return;
    this.emit({ type: 'exec', pid: p.pid, ppid: ev.ppid || p.ppid, exe: ev.ret === 0 ? p.exe : ev.filename, argv: ev.argv, parent_exe: parentExe, ret: ev.ret, filename: ev.filename });
  }

  onOpen(p: ProcessEntry, ev: OpenEvent): void {
    if (!p.selected) return;
    // path: absolute (a relative one joined to the directory the kernel resolved it against); given: the relative spelling
    this.emit({ type: 'open', pid: p.pid, exe: p.exe, path: ev.path, ...(ev.given !== undefined ? { given: ev.given } : {}), flags: ev.flags, ret: ev.ret });
  }

  onNet(p: ProcessEntry, ev: NetEvent): void {
    if (!p.selected) return;
    this.emit({ type: netOp(ev), pid: p.pid, exe: p.exe, family: familyName(ev.family), addr: ev.addr, port: ev.port, ret: ev.ret, fd: ev.fd });
  }

  onSecurity(p: ProcessEntry, ev: SecurityRecordEvent, running?: RunningExe): void {
    if (!p.selected) return;
    const { kind, args } = withRunningExe(securityDetails(ev), securityRet(ev.ret), running);
    this.emit({ type: 'security', kind, pid: p.pid, exe: p.exe, ret: Number(ev.ret), args });
  }

  onAgentSecurity(p: ProcessEntry, kind: string, args: Record<string, string>): void {
    if (!p.selected) return;
    this.emit({ type: 'security', kind, pid: p.pid, exe: p.exe, ret: 0, args });
  }

  onProcessEnd(p: ProcessEntry): void {
    this.printProcess(p);
  }

  /** One `process` line (once per process, with whatever it had when it ended or the capture did). */
  printProcess(p: ProcessEntry): void {
    if (!p.selected || this.reported.has(p.pid) || p.syscalls.size === 0) return;
    this.reported.add(p.pid);
    const dropped = sumDrops(p.drops);
    this.selectedDrops += dropped;
    this.emit({
      type: 'process',
      pid: p.pid,
      ppid: p.ppid,
      exe: p.exe,
      comm: p.comm,
      uid: p.uid,
      cmdline: p.cmdline,
      ancestry: p.ancestry,
      cgroup: p.cgroup,
      container_id: p.containerId,
      start_ns: p.startNs,
      exited: p.exited,
      exit_code: p.exitCode,
      syscalls: namedCounts(p.syscalls),
      dropped,
    });
  }
}

/** `agent capture`: JSON lines on stdout, last line a summary. Resolves when done. */
export async function capture(opts: CaptureOptions): Promise<void> {
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const selfPid = process.pid;
  const t0 = Date.now();
  const { probe } = startProbe(opts.btfPath, {
    agentTgid: selfPid,
    ...(opts.ringbufBytes ? { ringbufBytes: opts.ringbufBytes } : {}),
    ...(opts.ngramK !== undefined ? { ngramK: opts.ngramK } : {}),
  });
  // seed after attaching: a process born in between is in both, never in neither
  const table = new ProcessTable({ pid: opts.pid, comm: opts.comm }, selfPid);
  table.seedFromProc();
  const printer = new CapturePrinter(write);
  // readiness for humans and scripts: hooks attached, process table seeded
  process.stderr.write(`vigil agent: capturing (${table.size} processes known)\n`);
  const collector = new Collector(probe, table, printer, selfPid);

  let stopping = false;
  const stop = (): void => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const deadline = opts.durationS !== undefined ? t0 + opts.durationS * 1000 : Infinity;
  let lastSync = Date.now();
  try {
    while (!stopping && Date.now() < deadline) {
      await collector.pump(Math.max(0, Math.min(100, deadline - Date.now())));
      if (collector.pendingExits > 0 && Date.now() - lastSync >= 1000) {
        collector.sync();
        lastSync = Date.now();
      }
    }
    probe.obj.detach(); // counts are final from here on
    while ((await collector.pump(0)) > 0);
    collector.sync();
    for (const p of table.entries()) printer.printProcess(p);
  } finally {
    await probe.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  const filtered = opts.pid !== undefined || opts.comm !== undefined;
  const dropped = filtered ? printer.selectedDrops + collector.unattributedDrops : sumDrops(collector.drops);
  write(
    JSON.stringify({
      type: 'summary',
      events: printer.lines,
      records: collector.stats.recordsTotal,
      dropped,
      drops: Object.fromEntries(DROP_CAUSES.map((c) => [c, collector.drops[c]])),
      unattributed_drops: collector.unattributedDrops,
      scope: filtered ? 'filtered' : 'host',
      agent_syscalls: collector.stats.selfSyscalls,
      duration_s: Math.round((Date.now() - t0) / 100) / 10,
    }),
  );
}
