import { prng } from '@vigil/common';
import type { ExecEvent, FileOpen, NetworkOp, ProcessActivity, TelemetryBatch } from '../../src/detection/telemetry';

/**
 * Routine admin work on a Debian server as the agent reports it: an operator logs in over SSH and runs
 * the usual inspection and maintenance commands (each a process of its own, with the libraries,
 * /proc files, configuration and sockets such commands really open), while cron, journald and nginx
 * run in the background. Deterministic from a seed; pids, temporary names, client ports, argument
 * values and which commands each session runs vary between sessions, as they do on a real host.
 *
 * Used by the routine-workload test and bench: after the learning period, re-running routine
 * commands must not raise alerts of severity medium or more.
 */

const LIBC = ['/etc/ld.so.cache', '/lib/x86_64-linux-gnu/libc.so.6'];
const LOCALE = ['/usr/lib/locale/locale-archive', '/usr/share/locale/locale.alias'];
const SERVICES = ['nginx', 'ssh', 'cron', 'postgresql', 'systemd-journald'];

/** One routine command: what it runs and what it opens (`{pid}`, `{n}`, `{svc}` are filled per run). */
interface Command {
  exe: string;
  argv: (r: () => number) => string[];
  files: string[];
  writes?: string[];
  syscalls: Record<string, number>;
  network?: (r: () => number) => Omit<NetworkOp, 'count' | 'firstSeen'>[];
  children?: string[];
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const COMMANDS: Command[] = [
  { exe: '/usr/bin/ls', argv: (r) => ['ls', pick(r, ['-la', '-l', '-lh'] as const), pick(r, ['/var/log', '/etc/nginx', '/home/ops', '/tmp'] as const)], files: [...LIBC, '/lib/x86_64-linux-gnu/libselinux.so.1', ...LOCALE, '/etc/passwd', '/etc/group'], syscalls: { openat: 9, read: 8, fstat: 9, mmap: 12, close: 9, getdents64: 4, statx: 40, lgetxattr: 40, write: 6, exit_group: 1 } },
  { exe: '/usr/bin/ps', argv: (r) => ['ps', pick(r, ['aux', '-ef', 'auxf'] as const)], files: [...LIBC, '/lib/x86_64-linux-gnu/libprocps.so.8', '/proc/{pid}/stat', '/proc/{pid}/status', '/proc/{pid}/cmdline', '/proc/meminfo', '/proc/uptime', '/etc/passwd'], syscalls: { openat: 300, read: 320, close: 300, fstat: 20, mmap: 14, getdents64: 6, write: 12, exit_group: 1 } },
  { exe: '/usr/bin/df', argv: (r) => ['df', pick(r, ['-h', '-hT', '-i'] as const)], files: [...LIBC, '/proc/self/mountinfo', ...LOCALE], syscalls: { openat: 4, read: 4, statfs: 18, fstat: 4, close: 4, write: 3, exit_group: 1 } },
  { exe: '/usr/bin/free', argv: () => ['free', '-m'], files: [...LIBC, '/lib/x86_64-linux-gnu/libprocps.so.8', '/proc/meminfo'], syscalls: { openat: 3, read: 3, close: 3, fstat: 3, write: 3, exit_group: 1 } },
  { exe: '/usr/bin/uptime', argv: () => ['uptime'], files: [...LIBC, '/lib/x86_64-linux-gnu/libprocps.so.8', '/proc/uptime', '/proc/loadavg', '/run/utmp'], syscalls: { openat: 5, read: 5, close: 5, fstat: 4, write: 1, exit_group: 1 } },
  { exe: '/usr/bin/systemctl', argv: (r) => ['systemctl', 'status', pick(r, SERVICES)], files: [...LIBC, '/lib/x86_64-linux-gnu/libsystemd-shared-252.so', '/proc/1/cgroup', '/etc/systemd/system.conf'], syscalls: { openat: 14, read: 12, close: 14, fstat: 10, mmap: 20, socket: 1, connect: 1, sendmsg: 6, recvmsg: 10, epoll_wait: 6, write: 4, exit_group: 1 }, network: () => [{ op: 'CONNECT', family: 'UNIX', addr: '/run/dbus/system_bus_socket', port: 0, ret: 0 }], children: ['/usr/bin/less'] },
  { exe: '/usr/bin/journalctl', argv: (r) => ['journalctl', '-u', pick(r, SERVICES), '-n', String(20 + Math.floor(r() * 200))], files: [...LIBC, '/lib/x86_64-linux-gnu/libsystemd-shared-252.so', '/var/log/journal/{boot}/system.journal', '/var/log/journal/{boot}/system@{n}.journal', '/etc/machine-id'], syscalls: { openat: 20, read: 10, mmap: 60, close: 20, fstat: 22, write: 8, exit_group: 1 }, children: ['/usr/bin/less'] },
  { exe: '/usr/bin/tail', argv: (r) => ['tail', '-n', String(10 + Math.floor(r() * 90)), pick(r, ['/var/log/syslog', '/var/log/nginx/access.log', '/var/log/nginx/error.log', '/var/log/auth.log'] as const)], files: [...LIBC, '/var/log/syslog', '/var/log/nginx/access.log'], syscalls: { openat: 3, read: 6, lseek: 3, fstat: 3, close: 3, write: 4, exit_group: 1 } },
  { exe: '/usr/bin/grep', argv: (r) => ['grep', '-i', pick(r, ['error', 'fail', 'timeout', 'denied'] as const), pick(r, ['/var/log/syslog', '/var/log/nginx/error.log'] as const)], files: [...LIBC, '/lib/x86_64-linux-gnu/libpcre2-8.so.0', '/var/log/syslog', '/var/log/nginx/error.log'], syscalls: { openat: 4, read: 40, fstat: 4, close: 4, write: 5, exit_group: 1 } },
  { exe: '/usr/bin/cat', argv: (r) => ['cat', pick(r, ['/etc/nginx/nginx.conf', '/etc/hosts', '/etc/os-release', '/proc/cpuinfo'] as const)], files: [...LIBC, '/etc/nginx/nginx.conf', '/etc/hosts', '/etc/os-release', '/proc/cpuinfo'], syscalls: { openat: 3, read: 4, fstat: 3, close: 3, write: 2, fadvise64: 1, exit_group: 1 } },
  { exe: '/usr/bin/ss', argv: (r) => ['ss', pick(r, ['-tlnp', '-s', '-tan'] as const)], files: [...LIBC, '/proc/net/tcp', '/proc/net/tcp6', '/proc/{pid}/fd'], syscalls: { openat: 30, read: 30, socket: 1, sendmsg: 2, recvmsg: 6, close: 30, write: 4, exit_group: 1 }, network: () => [{ op: 'OTHER', family: 'OTHER', addr: 'netlink', port: 0, ret: 0 }] },
  { exe: '/usr/bin/du', argv: (r) => ['du', '-sh', pick(r, ['/var/log', '/var/lib/postgresql', '/home/ops'] as const)], files: [...LIBC, ...LOCALE], syscalls: { openat: 40, newfstatat: 400, getdents64: 80, close: 40, fstat: 40, write: 1, exit_group: 1 } },
  { exe: '/usr/bin/apt', argv: (r) => ['apt', 'list', pick(r, ['--upgradable', '--installed'] as const)], files: [...LIBC, '/lib/x86_64-linux-gnu/libapt-pkg.so.6.0', '/etc/apt/sources.list', '/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages', '/var/lib/dpkg/status', '/var/cache/apt/pkgcache.bin'], syscalls: { openat: 50, read: 200, mmap: 40, close: 50, fstat: 60, write: 20, exit_group: 1 } },
  { exe: '/usr/bin/top', argv: () => ['top', '-bn1'], files: [...LIBC, '/lib/x86_64-linux-gnu/libprocps.so.8', '/proc/{pid}/stat', '/proc/{pid}/statm', '/proc/stat', '/proc/meminfo', '/proc/loadavg', '/etc/toprc'], syscalls: { openat: 400, read: 420, close: 400, fstat: 20, getdents64: 8, write: 30, exit_group: 1 } },
  { exe: '/usr/bin/vim.basic', argv: (r) => ['vim', pick(r, ['/etc/nginx/sites-available/default', '/home/ops/notes.txt'] as const)], files: [...LIBC, '/usr/share/vim/vimrc', '/usr/share/vim/vim90/defaults.vim', '/etc/nginx/sites-available/default', '/home/ops/.viminfo'], writes: ['/home/ops/.viminfo', '/etc/nginx/sites-available/.default.swp', '/home/ops/.notes.txt.swp'], syscalls: { openat: 60, read: 80, write: 50, close: 60, fstat: 50, poll: 40, select: 40, rename: 1, unlink: 2, fsync: 2, exit_group: 1 } },
  { exe: '/usr/bin/sudo', argv: (r) => ['sudo', pick(r, ['systemctl', 'journalctl', 'apt'] as const)], files: [...LIBC, '/etc/sudoers', '/etc/sudoers.d/ops', '/etc/shadow', '/etc/passwd', '/etc/group', '/var/lib/sudo/lectured/ops'], syscalls: { openat: 30, read: 40, close: 30, fstat: 30, setresuid: 2, setgid: 1, setgroups: 1, socket: 1, connect: 1, sendto: 2, write: 2, exit_group: 1 }, network: () => [{ op: 'CONNECT', family: 'UNIX', addr: '/dev/log', port: 0, ret: 0 }], children: ['/usr/bin/systemctl', '/usr/bin/journalctl', '/usr/bin/apt'] },
];

/** The environment every command and the shell run with (agent's generalisation makes pids and names abstract). */
/** Reads are O_RDONLY|O_CLOEXEC; writes append (O_WRONLY|O_CREAT|O_APPEND), as loggers, wtmp and bash's histappend do. */
function filesOf(paths: string[], writes: string[], pid: number, n: number, boot: string, t: number): FileOpen[] {
  const fill = (p: string): string => p.replaceAll('{pid}', String(pid)).replaceAll('{n}', String(n)).replaceAll('{boot}', boot);
  return [
    ...paths.map((p) => ({ path: fill(p), flags: 0o2000000, ret: 3, count: 1, firstSeen: t })),
    ...writes.map((p) => ({ path: fill(p), flags: 0o2101, ret: 4, count: 1, firstSeen: t })),
  ];
}

function jitter(r: () => number, counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(counts)) out[k] = Math.max(1, Math.round(v * (0.85 + 0.3 * r())));
  return out;
}

/** Options of {@link adminWorkload}. */
export interface AdminWorkloadOptions {
  endpointId: string;
  seed: number;
  /** Event time of the first batch (ms). */
  start: number;
  /** Batches (agent windows) of `windowMs`. */
  batches: number;
  windowMs?: number;
  /** Chance per window that the operator runs a command. */
  commandRate?: number;
}

/** Batches of routine admin work on one endpoint. */
export function adminWorkload(o: AdminWorkloadOptions): TelemetryBatch[] {
  const r = prng(o.seed);
  const windowMs = o.windowMs ?? 10_000;
  const boot = 'b3f1c2d4e5f60718293a4b5c6d7e8f90';
  let nextPid = 20_000 + Math.floor(r() * 1_000);
  let sshd = 0;
  let shell = 0;
  const out: TelemetryBatch[] = [];
  for (let b = 0; b < o.batches; b++) {
    const t = o.start + (b + 1) * windowMs;
    const procs: ProcessActivity[] = [];
    const base = (pid: number, ppid: number, exe: string, ancestry: string[], uid = 1000): Omit<ProcessActivity, 'syscalls' | 'files' | 'execs' | 'network'> => ({
      pid,
      ppid,
      startTimeNs: pid * 1_000_000,
      exe,
      exeHash: null,
      comm: exe.slice(exe.lastIndexOf('/') + 1).slice(0, 15),
      uid,
      gid: uid,
      cgroup: '',
      containerId: null,
      ancestry,
      argv: null,
      ancestorPids: null,
      sequences: { k: 0, ngrams: [] },
      security: [],
      exited: exe !== '/usr/bin/bash' && exe !== '/usr/sbin/nginx',
      exitCode: 0,
    });
    // a new SSH session every ~40 windows
    if (shell === 0 || b % 40 === 0) {
      sshd = nextPid++;
      shell = nextPid++;
      const client = `198.51.100.${10 + Math.floor(r() * 5)}`;
      procs.push({
        ...base(sshd, 700, '/usr/sbin/sshd', ['/usr/sbin/sshd', '/usr/lib/systemd/systemd'], 0),
        exited: false,
        syscalls: jitter(r, { accept: 1, read: 40, write: 40, openat: 20, close: 20, fstat: 10, clone: 1, setresuid: 1 }),
        files: filesOf([...LIBC, '/etc/ssh/sshd_config', '/etc/passwd', '/etc/shadow', '/home/ops/.ssh/authorized_keys', '/run/utmp', '/var/log/wtmp'], ['/var/log/wtmp'], sshd, 0, boot, t),
        execs: [{ time: t, filename: '/usr/bin/bash', argv: ['-bash'], ret: 0 }],
        network: [{ op: 'ACCEPT', family: 'INET', addr: client, port: 40_000 + Math.floor(r() * 20_000), ret: 0, count: 1, firstSeen: t }],
      });
      procs.push({
        ...base(shell, sshd, '/usr/bin/bash', ['/usr/sbin/sshd', '/usr/sbin/sshd', '/usr/lib/systemd/systemd']),
        syscalls: jitter(r, { read: 30, write: 10, openat: 8, close: 8, fstat: 8, rt_sigaction: 40, rt_sigprocmask: 30, ioctl: 10, clone: 1, wait4: 1 }),
        files: filesOf([...LIBC, '/etc/profile', '/etc/bash.bashrc', '/home/ops/.bashrc', '/home/ops/.profile', '/home/ops/.bash_history', '/etc/inputrc'], ['/home/ops/.bash_history'], shell, 0, boot, t),
        execs: [],
        network: [],
      });
    }
    if (r() < (o.commandRate ?? 0.6)) {
      const c = pick(r, COMMANDS);
      const pid = nextPid++;
      const argv = c.argv(r);
      const child = c.children && r() < 0.5 ? pick(r, c.children) : null;
      procs.push({
        ...base(pid, shell, c.exe, ['/usr/bin/bash', '/usr/sbin/sshd', '/usr/sbin/sshd', '/usr/lib/systemd/systemd'], c.exe === '/usr/bin/sudo' ? 0 : 1000),
        syscalls: jitter(r, c.syscalls),
        files: filesOf(c.files, c.writes ?? [], 1 + Math.floor(r() * 30_000), Math.floor(r() * 1e6), boot, t),
        // the agent records an exec on the program that started it (the shell, below)
        execs: child ? [{ time: t, filename: child, argv: [child.slice(child.lastIndexOf('/') + 1)], ret: 0 }] : [],
        network: (c.network?.(r) ?? []).map((n) => ({ ...n, count: 1, firstSeen: t })),
      });
      // the shell's own window: it forked and waited
      procs.push({
        ...base(shell, sshd, '/usr/bin/bash', ['/usr/sbin/sshd', '/usr/sbin/sshd', '/usr/lib/systemd/systemd']),
        syscalls: jitter(r, { read: 20, write: 8, clone: 1, wait4: 1, rt_sigaction: 20, rt_sigprocmask: 20, ioctl: 6 }),
        files: filesOf(['/home/ops/.bash_history'], [], shell, 0, boot, t),
        execs: [{ time: t, filename: c.exe, argv, ret: 0 } as ExecEvent],
        network: [],
      });
    }
    // background: cron's run every 6 windows (a minute), journald and nginx each window
    if (b % 6 === 0) {
      const cron = nextPid++;
      procs.push({
        ...base(cron, 650, '/usr/sbin/cron', ['/usr/sbin/cron', '/usr/lib/systemd/systemd'], 0),
        syscalls: jitter(r, { openat: 10, read: 10, close: 10, fstat: 10, clone: 1, wait4: 1, sendto: 1 }),
        files: filesOf([...LIBC, '/etc/crontab', '/etc/cron.d/e2scrub_all', '/var/spool/cron/crontabs'], [], cron, 0, boot, t),
        execs: [{ time: t, filename: '/usr/bin/dash', argv: ['/bin/sh', '-c', '   cd / && run-parts --report /etc/cron.hourly'], ret: 0 }],
        network: [{ op: 'CONNECT', family: 'UNIX', addr: '/dev/log', port: 0, ret: 0, count: 1, firstSeen: t }],
      });
    }
    procs.push({
      ...base(310, 1, '/usr/lib/systemd/systemd-journald', ['/usr/lib/systemd/systemd'], 0),
      exited: false,
      syscalls: jitter(r, { recvmsg: 30, writev: 10, epoll_wait: 20, fstat: 2, ftruncate: 1 }),
      files: filesOf([], ['/var/log/journal/{boot}/system.journal'], 310, 0, boot, t),
      execs: [],
      network: [],
    });
    procs.push({
      ...base(800, 1, '/usr/sbin/nginx', ['/usr/lib/systemd/systemd'], 33),
      exited: false,
      syscalls: jitter(r, { accept4: 20, read: 60, writev: 20, openat: 20, close: 40, fstat: 20, epoll_wait: 40, sendfile: 20 }),
      files: filesOf(['/var/www/html/index.html', '/usr/share/nginx/html/favicon.ico'], ['/var/log/nginx/access.log'], 800, 0, boot, t),
      execs: [],
      network: [{ op: 'ACCEPT', family: 'INET', addr: `203.0.113.${Math.floor(r() * 250)}`, port: 50_000, ret: 0, count: 20, firstSeen: t }],
    });
    out.push({
      endpointId: o.endpointId,
      agentVersion: '0.1.0-workload',
      batchId: `${o.endpointId}/admin/${o.seed}/${b}`,
      sequence: b + 1,
      windowStart: t - windowMs,
      windowEnd: t,
      host: { hostname: 'web-1', kernel: '6.1.0-28-amd64', bootId: boot, os: 'Debian 12' },
      agentStats: {},
      processes: mergeWindows(procs),
      drops: {},
    });
  }
  return out;
}

/** One window per process per batch (the agent aggregates a process's window). */
function mergeWindows(procs: ProcessActivity[]): ProcessActivity[] {
  const by = new Map<number, ProcessActivity>();
  for (const p of procs) {
    const prev = by.get(p.pid);
    if (!prev) {
      by.set(p.pid, p);
      continue;
    }
    const syscalls = { ...prev.syscalls };
    for (const [k, v] of Object.entries(p.syscalls)) syscalls[k] = (syscalls[k] ?? 0) + v;
    by.set(p.pid, { ...prev, syscalls, files: [...prev.files, ...p.files], execs: [...prev.execs, ...p.execs], network: [...prev.network, ...p.network] });
  }
  return [...by.values()];
}
