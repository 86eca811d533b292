import { randomUUID } from 'node:crypto';
import type { ProcessActivity, TelemetryBatch } from '@vigil/schemas';

/** A recorded batch without what the simulator assigns per endpoint (the corpus's unit). */
export type RecordedBatch = Omit<TelemetryBatch, 'endpointId' | 'batchId' | 'sequence'>;

/** Who a simulated endpoint is: its id, host name, boot id and pid offset. */
export interface SimulatedIdentity {
  endpointId: string;
  hostname: string;
  bootId: string;
  /** Added to every pid ≥ 2 (modulo the pid space), so endpoints do not share process identities. */
  pidOffset: number;
}

/** Linux's default pid_max on 64-bit hosts (/proc/sys/kernel/pid_max = 4194304). */
export const PID_MAX = 4_194_304;

/**
 * A pid moved by `offset` within [2, PID_MAX): a bijection, so distinct pids stay distinct and a
 * parent's pid matches its children's ppid. 0 (no parent) and 1 (init) keep their meaning.
 */
export function shiftPid(pid: number, offset: number): number {
  if (pid < 2) return pid;
  const span = PID_MAX - 2;
  return ((((pid - 2 + offset) % span) + span) % span) + 2;
}

/**
 * The recorded batch as endpoint `id` sends it as its `sequence`-th batch now: host name, boot id
 * and pids varied; every time (window, firstSeen, exec and security event times) moved by the same
 * amount so the window ends at `now` — the gateway's clock-skew invariants see a batch of this
 * moment, and the distances between events stay the recorded ones.
 */
export function restamp(recorded: RecordedBatch, id: SimulatedIdentity, sequence: number, now: number, batchId: string = randomUUID()): TelemetryBatch {
  const shift = now - recorded.windowEnd;
  // Recorded times lie inside their window; clamping keeps a rounding artefact from landing past now.
  const t = (time: number): number => Math.min(now, time + shift);
  const pid = (p: number): number => shiftPid(p, id.pidOffset);
  return {
    ...recorded,
    endpointId: id.endpointId,
    batchId,
    sequence,
    windowStart: t(recorded.windowStart),
    windowEnd: now,
    host: { ...recorded.host, hostname: id.hostname, bootId: id.bootId },
    processes: recorded.processes.map((p) => ({
      ...p,
      pid: pid(p.pid),
      ppid: pid(p.ppid),
      files: p.files.map((f) => ({ ...f, firstSeen: t(f.firstSeen) })),
      execs: p.execs.map((e) => ({ ...e, time: t(e.time) })),
      network: p.network.map((n) => ({ ...n, firstSeen: t(n.firstSeen) })),
      security: p.security.map((s) => {
        // A security event's pid argument (ptrace target, kill target) names a process of this host.
        const args = s.args.pid !== undefined && /^\d+$/.test(s.args.pid) ? { ...s.args, pid: String(pid(Number(s.args.pid))) } : s.args;
        return { ...s, time: t(s.time), args };
      }),
    })),
  };
}

/** Attacks the simulator injects: each is what one known-bad rule (apps/stream-analyzer/rules) fires on. */
export const ATTACKS = ['cron-persistence-write', 'socket-wired-to-shell', 'ptrace-attach', 'kernel-module-load'] as const;
export type AttackKind = (typeof ATTACKS)[number];

/** Executables of injected attacks: never in a recording, so an alert on them is the injected one. */
export const ATTACK_PROGRAMS: Record<AttackKind, string> = {
  'cron-persistence-write': '/tmp/.fleet-sim/persist',
  'socket-wired-to-shell': '/usr/bin/bash',
  'ptrace-attach': '/tmp/.fleet-sim/inject',
  'kernel-module-load': '/tmp/.fleet-sim/rootkit',
};

const O_WRONLY = 0o1;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;

/**
 * One process doing `kind` at `time` (epoch ms), child of `parent` (an existing process of the
 * batch, so the tree and the ancestry are the host's). Its pid is `pid` and it starts just before
 * `time` on the batch's boot clock.
 */
export function attackProcess(kind: AttackKind, parent: ProcessActivity, pid: number, time: number): ProcessActivity {
  const exe = ATTACK_PROGRAMS[kind];
  const base: ProcessActivity = {
    pid,
    ppid: parent.pid,
    startTimeNs: parent.startTimeNs + 1_000_000,
    exe,
    exeHash: null,
    comm: exe.slice(exe.lastIndexOf('/') + 1).slice(0, 15),
    uid: 0,
    gid: 0,
    cgroup: parent.cgroup,
    containerId: parent.containerId,
    ancestry: [parent.exe, ...parent.ancestry],
    argv: [exe],
    ancestorPids: null,
    exited: true,
    exitCode: 0,
    syscalls: { read: 12, write: 4, openat: 6, close: 6, mmap: 8, execve: 1, exit_group: 1 },
    sequences: { k: 3, ngrams: [] },
    files: [],
    execs: [{ time, filename: exe, argv: [exe], ret: 0 }],
    network: [],
    security: [],
  };
  switch (kind) {
    case 'cron-persistence-write':
      return { ...base, files: [{ path: '/etc/cron.d/fleet-sim-update', flags: O_WRONLY | O_CREAT | O_TRUNC, ret: 3, count: 1, firstSeen: time }] };
    case 'socket-wired-to-shell':
      return {
        ...base,
        comm: 'bash',
        syscalls: { ...base.syscalls, dup2: 3, socket: 1, connect: 1 },
        network: [{ op: 'CONNECT', family: 'INET', addr: '203.0.113.66', port: 4444, ret: 0, count: 1, firstSeen: time }],
        security: [{ time, kind: 'stdio_socket', ret: 0, args: { peer: '203.0.113.66:4444' } }],
      };
    case 'ptrace-attach':
      return { ...base, syscalls: { ...base.syscalls, ptrace: 2 }, security: [{ time, kind: 'ptrace', ret: 0, args: { request: 'PTRACE_ATTACH', pid: String(parent.pid) } }] };
    case 'kernel-module-load':
      return { ...base, syscalls: { ...base.syscalls, finit_module: 1 }, security: [{ time, kind: 'finit_module', ret: 0, args: { name: 'fleet_sim' } }] };
  }
}

/**
 * The batch with `kind` injected: a new process under the batch's first live, non-init process
 * (the first process when there is none), at the window's end. Returns the batch and the injected
 * process's pid; a pid not used in the batch is chosen.
 */
export function injectAttack(batch: TelemetryBatch, kind: AttackKind): TelemetryBatch {
  const parent = batch.processes.find((p) => p.pid > 1 && !p.exited) ?? batch.processes[0];
  if (!parent) throw new Error('cannot inject an attack into a batch without processes');
  const used = new Set(batch.processes.map((p) => p.pid));
  let pid = shiftPid(parent.pid, 7919);
  while (used.has(pid)) pid = shiftPid(pid, 1);
  return { ...batch, processes: [...batch.processes, attackProcess(kind, parent, pid, batch.windowEnd)] };
}

/** Host profiles `fleet simulate --profile` derives from the recorded windows of the real agent. */
export const PROFILES = ['busy-build', 'web-server', 'idle'] as const;
export type HostProfile = (typeof PROFILES)[number];

/** Server programs a web server host runs (their windows carry the recorded network operations). */
const SERVER_PROGRAMS = /\/(nginx|apache2|httpd|postgres|java|node|php-fpm[\d.]*|gunicorn|uwsgi|redis-server)$/;

/**
 * A recorded window as a host of `profile` would send it: `busy-build` as recorded (the corpus was
 * recorded on a build host: hundreds of short-lived compilers, shells and test runners per window);
 * `web-server` keeps the server programs and the processes with network operations (at most 40);
 * `idle` keeps the 10 quietest processes without execs or network (long-running daemons). Derived,
 * not recorded on such hosts: the per-process records are the real agent's, their mix is chosen.
 */
export function profileWindow(recorded: RecordedBatch, profile: HostProfile): RecordedBatch {
  switch (profile) {
    case 'busy-build':
      return recorded;
    case 'web-server': {
      const web = recorded.processes
        .filter((p) => SERVER_PROGRAMS.test(p.exe) || p.network.length > 0)
        .sort((a, b) => Number(SERVER_PROGRAMS.test(b.exe)) - Number(SERVER_PROGRAMS.test(a.exe)) || b.network.length - a.network.length)
        .slice(0, 40);
      return { ...recorded, processes: web };
    }
    case 'idle': {
      const total = (p: ProcessActivity): number => Object.values(p.syscalls).reduce((s, n) => s + n, 0);
      const quiet = recorded.processes
        .filter((p) => p.execs.length === 0 && p.network.length === 0)
        .sort((a, b) => total(a) - total(b))
        .slice(0, 10);
      return { ...recorded, processes: quiet };
    }
  }
}
