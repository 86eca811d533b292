import { basename } from '../identity';

/**
 * The matcher primitives every rule compiles to, whether written in our YAML or in Sigma: string
 * tests (equals, prefix, suffix, contains, glob, basename, regex), numeric comparisons and bit tests
 * on values the agent reports as strings (octal modes, hex flags), and CIDR membership.
 */

/** A compiled string test. */
export type Matcher = (s: string) => boolean;

/** String alternatives as written (any one matching is a match). */
export interface StringAlternatives {
  equals?: string[];
  prefix?: string[];
  suffix?: string[];
  contains?: string[];
  glob?: string[];
  basename?: string[];
  regex?: string[];
}

/** Numeric test of a value reported as a string (`radix` says how to read it; `0x…` is always hex). */
export interface NumericTest {
  radix?: 8 | 10 | 16;
  eq?: number[];
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  /** At least one of these bits set (e.g. 0o6000: setuid or setgid). */
  anyBits?: number;
  /** All of these bits set. */
  allBits?: number;
  /** None of these bits set. */
  noBits?: number;
}

/** Compile string alternatives; `ignoreCase` is Sigma's default matching. */
export function compileString(m: StringAlternatives, opts: { ignoreCase?: boolean } = {}): Matcher {
  const fold = opts.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const tests: Matcher[] = [];
  // the literal alternatives in one test that folds the value once and looks equals and basenames up
  // in a set: lists such as $web_servers or $shells hold dozens of names, and a closure per name took
  // the basename of the same path dozens of times (folding leaves '/' alone, so the basename of the
  // folded value is the folded basename)
  const equals = new Set((m.equals ?? []).map(fold));
  const basenames = new Set((m.basename ?? []).map(fold));
  const prefixes = (m.prefix ?? []).map(fold);
  const suffixes = (m.suffix ?? []).map(fold);
  const contains = (m.contains ?? []).map(fold);
  if (equals.size + basenames.size + prefixes.length + suffixes.length + contains.length > 0) {
    tests.push((s) => {
      const f = fold(s);
      if (equals.has(f) || (basenames.size > 0 && basenames.has(basename(f)))) return true;
      for (const p of prefixes) if (f.startsWith(p)) return true;
      for (const p of suffixes) if (f.endsWith(p)) return true;
      for (const p of contains) if (f.includes(p)) return true;
      return false;
    });
  }
  for (const g of m.glob ?? []) {
    const re = globToRegExp(g, opts.ignoreCase);
    tests.push((s) => re.test(s));
  }
  // one RegExp for all alternatives: a path or command line is scanned once instead of once per
  // pattern (most fail at their first characters, so the calls were the cost). Patterns with
  // backreferences or named groups keep their own RegExp: numbering and names would clash.
  const regexes = m.regex ?? [];
  const alone = regexes.filter((r) => /\\[1-9]|\(\?<[A-Za-z]/.test(r));
  const joined = regexes.filter((r) => !alone.includes(r));
  for (const r of joined.length > 1 ? [...alone, joined.map((r) => `(?:${r})`).join('|')] : regexes) {
    const re = new RegExp(r);
    tests.push((s) => re.test(s));
  }
  return tests.length === 1 ? tests[0]! : (s) => tests.some((t) => t(s));
}

/** Path glob: `*` within a segment, `**` across segments, `?` one character. */
export function globToRegExp(g: string, ignoreCase = false): RegExp {
  const body = g
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((x) => x.split('?').map(escapeRe).join('[^/]'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${body}$`, ignoreCase ? 'i' : '');
}

/** Escape regular-expression metacharacters. */
export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Read a reported number: `0x…` is hex, otherwise `radix` (default decimal). NaN when unreadable. */
export function readNumber(s: string, radix: 8 | 10 | 16 = 10): number {
  const t = s.trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t.slice(2), 16);
  const digits = radix === 8 ? /^[0-7]+$/ : radix === 16 ? /^[0-9a-f]+$/i : /^-?\d+$/;
  return digits.test(t) ? parseInt(t, radix) : NaN;
}

/** Compile a numeric test over string values. */
export function compileNumeric(n: NumericTest): Matcher {
  return (s) => {
    const v = readNumber(s, n.radix);
    if (Number.isNaN(v)) return false;
    if (n.eq && !n.eq.includes(v)) return false;
    if (n.gt !== undefined && !(v > n.gt)) return false;
    if (n.gte !== undefined && !(v >= n.gte)) return false;
    if (n.lt !== undefined && !(v < n.lt)) return false;
    if (n.lte !== undefined && !(v <= n.lte)) return false;
    // bit tests in 32-bit space (modes and flags fit)
    if (n.anyBits !== undefined && (v & n.anyBits) === 0) return false;
    if (n.allBits !== undefined && (v & n.allBits) !== n.allBits) return false;
    if (n.noBits !== undefined && (v & n.noBits) !== 0) return false;
    return true;
  };
}

/** Compile a CIDR list (IPv4 `a.b.c.d/n`, IPv6 `x::/n`) into a test of an address string. */
export function compileCidr(cidrs: string[]): Matcher {
  const nets = cidrs.map(parseCidr);
  return (addr) => {
    const a = parseIp(addr.replace(/^\[|\]$/g, '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1'));
    if (!a) return false;
    return nets.some((n) => n.bits.length === a.length && prefixEqual(n.bits, a, n.len));
  };
}

/** Parse `addr/len`; throws on a malformed CIDR (callers turn it into a rule-file error). */
export function parseCidr(c: string): { bits: number[]; len: number } {
  const [ip, lenText] = c.split('/');
  const bits = parseIp(ip ?? '');
  const len = lenText === undefined ? (bits?.length ?? 0) : Number(lenText);
  if (!bits || !Number.isInteger(len) || len < 0 || len > bits.length) throw new Error(`invalid CIDR "${c}"`);
  return { bits, len };
}

/** An address as an array of bits (32 for IPv4, 128 for IPv6), or undefined. */
function parseIp(s: string): number[] | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return octets.flatMap((o) => toBits(o, 8));
  }
  if (!s.includes(':')) return undefined;
  const [head, tail, extra] = s.toLowerCase().split('::');
  if (extra !== undefined) return undefined;
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  if (tail === undefined && h.length !== 8) return undefined;
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.flatMap((g) => toBits(parseInt(g, 16), 16));
}

function toBits(v: number, width: number): number[] {
  return Array.from({ length: width }, (_, i) => (v >> (width - 1 - i)) & 1);
}

function prefixEqual(a: number[], b: number[], len: number): boolean {
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** open(2) flag names (x86-64) accepted in rules and test cases. */
export const OPEN_FLAGS: Record<string, number> = {
  O_RDONLY: 0,
  O_WRONLY: 0o1,
  O_RDWR: 0o2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_DSYNC: 0o10000,
  O_DIRECT: 0o40000,
  O_LARGEFILE: 0o100000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  O_NOATIME: 0o1000000,
  O_CLOEXEC: 0o2000000,
  O_SYNC: 0o4010000,
  O_PATH: 0o10000000,
  O_TMPFILE: 0o20200000,
};

/** `O_WRONLY|O_CREAT|O_TRUNC` (or a number) → the flag bits; throws naming an unknown flag. */
export function parseOpenFlags(v: string | number): number {
  if (typeof v === 'number') return v;
  return v
    .split('|')
    .map((x) => x.trim())
    .filter(Boolean)
    .reduce((acc, name) => {
      const bit = OPEN_FLAGS[name];
      if (bit === undefined) throw new Error(`unknown open flag "${name}" (known: ${Object.keys(OPEN_FLAGS).join(', ')})`);
      return acc | bit;
    }, 0);
}
