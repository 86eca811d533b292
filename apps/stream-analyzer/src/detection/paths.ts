/**
 * File path generalisation: normal churn (pids, temp names, home directories, numeric ids, hex and
 * uuids) maps to one pattern so it does not look new every time; what remains new is new.
 */

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const HEX = /(?<![0-9a-z])[0-9a-f]{8,}(?![0-9a-z])/gi;
const TEMP_DIRS = ['/tmp/', '/var/tmp/', '/dev/shm/'];

/** '.' or '..' segments, or repeated slashes: what {@link lexicalPath} resolves. */
const NOT_LEXICAL = /\/\.{1,2}(?:\/|$)|\/\//;

/**
 * An absolute path with its `.` and `..` segments and repeated slashes resolved lexically, as the
 * kernel walks it when no symlink on the way points elsewhere: `/etc/../etc/./shadow` → `/etc/shadow`.
 * The agent reports open paths (and absolute paths of security events) exactly as the process
 * passed them, so a rule matching `/etc/shadow` would otherwise miss a read through `..`. Relative
 * paths are returned unchanged: resolving them needs the process's directory, which the telemetry
 * does not carry for opens. Paths without such segments are returned as they are (the common case).
 */
export function lexicalPath(path: string): string {
  if (path.charCodeAt(0) !== 47 || !NOT_LEXICAL.test(path)) return path;
  const out: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return `/${out.join('/')}`;
}

/** Bound on the generalisations remembered: the same few thousand paths recur in every window. */
const CACHE_MAX = 32_768;
/** Paths longer than this are generalised every time (they are rare; the cache stays a few MiB). */
const CACHE_PATH_MAX = 256;
const generalised = new Map<string, string>();

/** Generalise one path (see module doc). Idempotent: generalising a pattern returns it unchanged. */
export function generalisePath(path: string): string {
  if (path.length > CACHE_PATH_MAX) return generalise(path);
  const hit = generalised.get(path);
  if (hit !== undefined) return hit;
  const g = generalise(path);
  if (generalised.size >= CACHE_MAX) generalised.clear();
  generalised.set(path, g);
  return g;
}

function generalise(raw: string): string {
  const path = lexicalPath(raw);
  let p = path.replace(/\/{2,}/g, '/');
  // per-process views
  p = p.replace(/^\/proc\/\d+(?=\/|$)/, '/proc/<pid>').replace(/^\/proc\/<pid>\/task\/\d+/, '/proc/<pid>/task/<tid>');
  p = p.replace(/^\/proc\/self\/fd\/\d+/, '/proc/self/fd/<n>').replace(/^\/proc\/<pid>\/fd\/\d+/, '/proc/<pid>/fd/<n>');
  // home directories (root's included)
  p = p.replace(/^\/home\/[^/]+(?=\/|$)/, '~').replace(/^\/root(?=\/|$)/, '~');
  p = p.replace(/^\/run\/user\/\d+/, '/run/user/<uid>');
  // identifiers
  p = p.replace(UUID, '<uuid>').replace(HEX, (m) => (/\d/.test(m) && /[a-f]/i.test(m) ? '<hex>' : m));
  const segments = p.split('/');
  const inTemp = TEMP_DIRS.some((d) => path.startsWith(d));
  for (let i = 0; i < segments.length; i++) {
    let s = segments[i]!;
    if (/^\d+$/.test(s)) s = '<n>';
    else if (inTemp && i >= 2 && isTempName(s)) s = '<tmp>';
    else s = s.replace(/\d{3,}/g, '<n>');
    segments[i] = s;
  }
  return segments.join('/');
}

/** mkstemp/mktemp-style names: a prefix and ≥ 6 random characters mixing cases or digits. */
function isTempName(s: string): boolean {
  if (/^(tmp|temp)[._-]?[A-Za-z0-9_]{4,}/i.test(s)) return true;
  const tail = /[._-]?([A-Za-z0-9]{6,})(\.[a-z0-9]{1,5})?$/.exec(s)?.[1];
  if (!tail) return false;
  const classes = Number(/[a-z]/.test(tail)) + Number(/[A-Z]/.test(tail)) + Number(/\d/.test(tail));
  return classes >= 2;
}

/** Why a path matters, and how much (multiplies file-access severity and score). */
export interface PathSensitivity {
  category: 'credentials' | 'ssh-keys' | 'persistence' | 'system-config' | 'kernel' | 'none';
  weight: number;
  /** MITRE ATT&CK technique reading or writing such a path is usually about. */
  mitre: string | null;
}

const SENSITIVE: [RegExp, PathSensitivity][] = [
  [/^\/etc\/(shadow|gshadow|shadow-|gshadow-|security\/opasswd)$/, { category: 'credentials', weight: 5, mitre: 'T1003.008' }],
  [/^(~|\/home\/[^/]+|\/root)\/\.ssh\/(id_[a-z0-9_]+|.*\.pem)$/, { category: 'ssh-keys', weight: 5, mitre: 'T1552.004' }],
  [/^\/etc\/ssh\/ssh_host_.*_key$/, { category: 'ssh-keys', weight: 5, mitre: 'T1552.004' }],
  [/^(~|\/home\/[^/]+|\/root)\/\.ssh\/authorized_keys2?$/, { category: 'persistence', weight: 4, mitre: 'T1098.004' }],
  [/^\/(etc\/cron|var\/spool\/cron)/, { category: 'persistence', weight: 4, mitre: 'T1053.003' }],
  [/^(\/etc\/systemd\/|\/lib\/systemd\/system\/|\/usr\/lib\/systemd\/system\/|(~|\/home\/[^/]+|\/root)\/\.config\/systemd\/)/, { category: 'persistence', weight: 4, mitre: 'T1543.002' }],
  [/^\/etc\/(sudoers|sudoers\.d\/.*|passwd|group|pam\.d\/.*|ld\.so\.preload)$/, { category: 'system-config', weight: 3, mitre: 'T1548' }],
  [/^(~|\/home\/[^/]+|\/root)\/\.(bashrc|profile|bash_profile|zshrc)$/, { category: 'persistence', weight: 2, mitre: 'T1546.004' }],
  [/^(~|\/home\/[^/]+|\/root)\/\.(aws\/credentials|docker\/config\.json|kube\/config|netrc|pgpass|git-credentials)$/, { category: 'credentials', weight: 4, mitre: 'T1552.001' }],
  [/^\/(proc\/kcore|dev\/mem|dev\/kmem|sys\/kernel\/debug)/, { category: 'kernel', weight: 4, mitre: 'T1014' }],
];

/** Sensitivity of a raw or generalised path. */
export function pathSensitivity(path: string): PathSensitivity {
  for (const [re, s] of SENSITIVE) if (re.test(path)) return s;
  return { category: 'none', weight: 1, mitre: null };
}

/** open(2) flag bits (x86-64). */
const O_ACCMODE = 3;
const O_WRONLY = 1;
const O_RDWR = 2;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;

/** How a file was opened: read, write or read-write, with `+create` when O_CREAT/O_TRUNC. */
export function accessMode(flags: number): 'read' | 'write' | 'read-write' | 'write+create' | 'read-write+create' {
  const acc = flags & O_ACCMODE;
  const create = (flags & (O_CREAT | O_TRUNC)) !== 0;
  if (acc === O_WRONLY) return create ? 'write+create' : 'write';
  if (acc === O_RDWR) return create ? 'read-write+create' : 'read-write';
  return 'read';
}

/** True when the mode can modify the file. */
export function isWrite(mode: string): boolean {
  return mode !== 'read';
}

/**
 * Shape of an argv: argv[0]'s basename, then each argument generalised (paths via generalisePath,
 * numbers, ips and long opaque values abstracted; option names kept). Long argv lists are cut at 8.
 */
export function argvShape(argv: string[]): string {
  const parts = argv.slice(0, 8).map((a, i) => {
    if (i === 0) return a.split('/').pop() ?? a;
    if (/^--?[A-Za-z][\w-]*$/.test(a) || /^-\d{1,2}$/.test(a)) return a; // option names (and -9 style) matter
    if (/^--?[A-Za-z][\w-]*=/.test(a)) return a.replace(/=.*/, '=<v>');
    if (a.startsWith('/')) return generalisePath(a);
    if (/^\d+(\.\d+)?$/.test(a)) return '<n>';
    if (/^\d{1,3}(\.\d{1,3}){3}(:\d+)?$/.test(a)) return '<ip>';
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(a)) return '<url>';
    return a.length > 24 || /\s/.test(a) ? '<arg>' : a.replace(/\d+/g, '<n>');
  });
  if (argv.length > 8) parts.push(`…+${argv.length - 8}`);
  return parts.join(' ');
}

/** Address class of a network peer. */
export type AddressClass = 'loopback' | 'private' | 'link-local' | 'multicast' | 'public' | 'unix' | 'any' | 'unknown';

/** Classify an IPv4/IPv6 address (or unix socket path) string. */
export function addressClass(addr: string, family: string): AddressClass {
  if (family === 'UNIX') return 'unix';
  const a = addr.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (a === '' ) return 'unknown';
  if (a === '0.0.0.0' || a === '::') return 'any';
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (v4) {
    const [o1, o2] = [Number(v4[1]), Number(v4[2])];
    if (o1 === 127) return 'loopback';
    if (o1 === 10 || (o1 === 172 && o2 >= 16 && o2 <= 31) || (o1 === 192 && o2 === 168) || (o1 === 100 && o2 >= 64 && o2 <= 127)) return 'private';
    if (o1 === 169 && o2 === 254) return 'link-local';
    if (o1 >= 224 && o1 <= 239) return 'multicast';
    return 'public';
  }
  if (a === '::1') return 'loopback';
  if (/^f[cd][0-9a-f]{2}:/.test(a)) return 'private';
  if (/^fe[89ab][0-9a-f]:/.test(a)) return 'link-local';
  if (/^ff[0-9a-f]{2}:/.test(a)) return 'multicast';
  if (a.includes(':')) return 'public';
  return 'unknown';
}
