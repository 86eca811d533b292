import type { NetEvent, OpenEvent } from '@vigil/bpf';
import { familyName } from '../output/records';

/**
 * Which records leave the agent at once instead of waiting for the window (issue 15.5): those a
 * known-bad rule can match. Execs and security records always are; opens and network calls when
 * they are security-relevant by the tests below. Everything else (the bulk: reads of libraries,
 * locale files, /proc of itself, unix sockets) waits for the window, where it costs nothing extra.
 */

const O_ACCMODE = 0o3;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;

/** Flags of an open that could change the file (write or read-write access, create, truncate, append). */
const WRITE_FLAGS = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND;

/** Whether the open could change the file (write or read-write access, create, truncate, append). */
export function isWriteOpen(flags: number): boolean {
  return (flags & WRITE_FLAGS) !== 0;
}

/** Write-opens below these are routine (terminals, procfs/sysfs knobs, the null device): never urgent by themselves. */
const ROUTINE_WRITES = ['/proc/', '/sys/', '/dev/pts/', '/dev/null', '/dev/tty', '/dev/ptmx', '/dev/shm/sem.', '/dev/urandom', '/dev/random', '/dev/full', '/dev/zero'];

/**
 * Paths whose mere reading is security-relevant (credentials, persistence locations, binaries'
 * configuration), as prefixes; `*` stands for one path component (a user's home).
 */
export const SENSITIVE_PATHS: readonly string[] = [
  '/etc/shadow',
  '/etc/gshadow',
  '/etc/security/opasswd',
  '/etc/sudoers',
  '/etc/ssh/',
  '/etc/ld.so.preload',
  '/etc/cron',
  '/etc/anacrontab',
  '/var/spool/cron/',
  '/var/spool/at',
  '/etc/at.',
  '/etc/systemd/',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/etc/init.d/',
  '/etc/rc.local',
  '/etc/profile',
  '/etc/bash.bashrc',
  '/etc/environment',
  '/etc/udev/rules.d/',
  '/etc/krb5.keytab',
  '/etc/pam.d/',
  '/etc/kubernetes/',
  '/var/lib/kubelet/',
  '/root/',
  '/home/*/.ssh/',
  '/home/*/.bash_history',
  '/home/*/.zsh_history',
  '/home/*/.python_history',
  '/home/*/.mysql_history',
  '/home/*/.bashrc',
  '/home/*/.profile',
  '/home/*/.bash_profile',
  '/home/*/.bash_logout',
  '/home/*/.zshrc',
  '/home/*/.aws/',
  '/home/*/.kube/',
  '/home/*/.config/gcloud/',
  '/home/*/.azure/',
  '/home/*/.docker/config.json',
  '/home/*/.gnupg/',
  '/home/*/.local/share/keyrings/',
  '/home/*/.config/systemd/',
  '/dev/',
];

/** Prefixes of one bucket (see PathPrefixes). */
interface PrefixBucket {
  plain: string[];
  patterns: RegExp[];
}

/**
 * Sensitive-path prefixes compiled once: `*` matches one path component. Every open the agent sees
 * is tested (bench/agent-overhead (c): ~50k distinct paths a second), so prefixes are bucketed by
 * their second character (the first after '/'): a path is tested only against the prefixes that
 * can match it (a path under /usr against one, not against 45 with 15 regular expressions).
 */
export class PathPrefixes {
  /** By the char code a matching path has at index 1 (an array: a Map lookup cost as much as the test). */
  private readonly buckets: (PrefixBucket | undefined)[] = [];
  /** Prefixes that do not fix that character ('*' or shorter than two): tested against every path. */
  private readonly any: PrefixBucket = { plain: [], patterns: [] };

  constructor(prefixes: readonly string[]) {
    for (const p of prefixes) {
      const fixed = p.length >= 2 && p[0] !== '*' && p[1] !== '*';
      let bucket = this.any;
      if (fixed) {
        bucket = this.buckets[p.charCodeAt(1)] ??= { plain: [], patterns: [] };
      }
      if (p.includes('*')) bucket.patterns.push(new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}`));
      else bucket.plain.push(p);
    }
  }

  matches(path: string): boolean {
    const bucket = path.length > 1 ? this.buckets[path.charCodeAt(1)] : undefined;
    return (bucket !== undefined && PathPrefixes.inBucket(bucket, path)) || PathPrefixes.inBucket(this.any, path);
  }

  private static inBucket(b: PrefixBucket, path: string): boolean {
    for (const p of b.plain) if (path.startsWith(p)) return true;
    for (const r of b.patterns) if (r.test(path)) return true;
    return false;
  }
}

/** /proc/PID/{mem,environ,maps,…} of another process (reading one's own is routine). */
const OTHER_PROC = /^\/proc\/(\d+)\/(mem|environ|maps|smaps|pagemap|auxv|stack|syscall)$/;

/** Urgency test for opens, built once from the default sensitive paths and the configured extra ones. */
export class OpenUrgency {
  private readonly sensitive: PathPrefixes;
  private readonly routineWrites = new PathPrefixes(ROUTINE_WRITES);
  private readonly sensitivePaths: readonly string[];

  constructor(extraPaths: readonly string[] = []) {
    this.sensitivePaths = [...SENSITIVE_PATHS, ...extraPaths];
    this.sensitive = new PathPrefixes(this.sensitivePaths);
  }

  /**
   * Opens that may be urgent, for the addon's aggregation (ProbeOptions.aggregatePassAtOnce): every
   * urgent() open has one of these flags or starts with one of these prefixes (a pattern's text
   * before its first `*`). The addon lets the first of each through at once and holds the rest, so
   * a file walk's reads reach JavaScript once a hold, not once at first sight and again with the count.
   */
  get mayBeUrgent(): { flags: number; prefixes: string[] } {
    return { flags: WRITE_FLAGS, prefixes: [...new Set(['/proc/', ...this.sensitivePaths.map((p) => p.split('*')[0]!)])] };
  }

  /** Any write-open outside the routine places, a read of a sensitive path, another process's memory or environment. */
  urgent(ev: Pick<OpenEvent, 'tgid' | 'path' | 'flags'>): boolean {
    const path = ev.path;
    if (path.startsWith('/proc/')) {
      const m = OTHER_PROC.exec(path);
      return m !== null && Number(m[1]) !== ev.tgid;
    }
    if (isWriteOpen(ev.flags)) return !this.routineWrites.matches(path); // a relative path the kernel could not resolve too (as given)
    if (!this.sensitive.matches(path)) return false;
    // reading a device below /dev is routine unless it is memory or a disk
    if (path.startsWith('/dev/')) return /^\/dev\/(mem|kmem|port|sd|nvme|vd|xvd|dm-|mapper\/|disk\/|loop)/.test(path);
    return true;
  }
}

/** inet/inet6 connect, accept, bind and listen; unix sockets (dbus, journald, nscd: constant) wait for the window. */
export function urgentNet(ev: Pick<NetEvent, 'family'>): boolean {
  const f = familyName(ev.family);
  return f === 'inet' || f === 'inet6';
}
