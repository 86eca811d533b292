import { isUtf8 } from 'node:buffer';
import type { Type } from 'avsc';
import { TelemetryBatchV1Schema } from './generated/telemetry-batch.v1.generated';
import { avroType } from './registry';
import { SYSCALL_TABLE_SIZE } from './syscalls-x86-64';

/**
 * The TelemetryBatch contract beyond what Avro can say (libs/schemas/docs/telemetry-invariants.md
 * lists them): a batch that breaks one of them decodes, but no endpoint's agent would send it.
 */
export class InvariantError extends Error {
  constructor(
    /** Where in the batch, e.g. `processes[3].files[0].firstSeen`. */
    readonly path: string,
    message: string,
    /**
     * `clock_ahead`: a time lies ahead of the checker's clock by more than allowed — the sender's
     * clock is wrong, not its data, so the batch is worth re-stamping and sending again.
     */
    readonly kind: 'contract' | 'clock_ahead' = 'contract',
  ) {
    super(`${path}: ${message}`);
    this.name = 'InvariantError';
  }
}

/** Clock bounds of a check: every time in the batch lies in [now − maxPastMs, now + maxFutureMs]. */
export interface InvariantOptions {
  now: number;
  maxFutureMs: number;
  maxPastMs: number;
}

/**
 * Bytes a string of at most `raw` bytes from the kernel can take once decoded: the agent decodes
 * kernel strings as UTF-8, and every byte that is not UTF-8 becomes U+FFFD, 3 bytes. Paths are
 * bytes on Linux, so any user can make a path of 0xff bytes near PATH_MAX (12,285 bytes decoded):
 * a limit in raw bytes would refuse that batch, and with it the telemetry of every process in it.
 */
const decoded = (raw: number): number => 3 * raw;

/** Sizes the contract allows (the agent's own limits, with room). */
export const INVARIANT_LIMITS = {
  /** PATH_MAX raw bytes, decoded: exe, ancestry entries, file paths, exec filenames. */
  path: decoded(4096),
  /** One argv string (the agent truncates at 1 KiB) and all of a process's argv. */
  arg: 4096,
  args: 1024,
  /** Ancestry depth (exe of parent, grandparent, … up to init). */
  ancestry: 256,
  /** Short identifiers: agent version, host fields, comm, kind, map keys, container id, hashes. */
  short: 256,
  /** Free text, decoded from at most 4 KiB: cgroup path, network address (a unix socket path), security args values. */
  text: decoded(4096),
  /** Syscall numbers the probes know (vigil.bpf.h: 0 ≤ nr < 512). */
  syscallNr: SYSCALL_TABLE_SIZE,
  /** k of the syscall k-grams. */
  ngramK: 16,
  /** A window longer than this is not an agent's window. */
  windowMs: 24 * 3600_000,
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A return value: ≥ 0, or −errno (Linux errnos are below 4096). */
const MIN_RET = -4095;

const v1 = avroType(TelemetryBatchV1Schema);
const isV1 = new WeakMap<Type, boolean>();

/**
 * Check the invariants of a TelemetryBatch given as its Avro encoding by `writer` (the bytes must
 * already have passed the structural check: checkEncoding / peekStrict). Nothing is materialised
 * but the strings it must look at: for the v1 writer (every agent today) it walks the bytes once,
 * ≈ the cost of the structural check; another version is first resolved into v1. Throws
 * {@link InvariantError} with the first violation.
 */
export function checkTelemetryInvariants(writer: Type, payload: Buffer, options: InvariantOptions): void {
  let known = isV1.get(writer);
  if (known === undefined) {
    known = writer === v1 || JSON.stringify(writer.schema()) === JSON.stringify(v1.schema());
    isV1.set(writer, known);
  }
  const bytes = known ? payload : v1.toBuffer(v1.fromBuffer(payload, v1.createResolver(writer)));
  new Walker(bytes, options).batch();
}

/**
 * Sequential reader of the v1 encoding that checks each value as it passes. Hot path: no string is
 * decoded and no path is built unless needed — the position in the batch is kept as numbers
 * (`proc`, `list`, `item`) and turned into `processes[3].files[0].path` only for the error.
 */
class Walker {
  private pos = 0;
  private readonly minTime: number;
  private readonly maxTime: number;
  /** Index of the process being read (−1: batch level), its list being read, and the item in it. */
  private proc = -1;
  private list = '';
  private item = -1;

  constructor(
    private readonly buf: Buffer,
    private readonly o: InvariantOptions,
  ) {
    this.minTime = o.now - o.maxPastMs;
    this.maxTime = o.now + o.maxFutureMs;
  }

  /** Throw the violation of `field` at the current position. */
  private fail(field: string, message: string, kind: InvariantError['kind'] = 'contract'): never {
    let path = '';
    if (this.proc >= 0) path = `processes[${this.proc}]`;
    if (this.list) path += `${path ? '.' : ''}${this.list}${this.item >= 0 ? `[${this.item}]` : ''}`;
    throw new InvariantError(path && field ? `${path}.${field}` : path || field, message, kind);
  }

  batch(): void {
    this.string('endpointId', INVARIANT_LIMITS.short);
    this.string('agentVersion', INVARIANT_LIMITS.short);
    const batchId = this.string('batchId', INVARIANT_LIMITS.short, true)!;
    if (!UUID.test(batchId)) this.fail('batchId', 'not a uuid');
    if (this.long() < 0) this.fail('sequence', 'negative');
    const start = this.time('windowStart');
    const end = this.time('windowEnd');
    if (start > end) this.fail('windowStart', `${iso(start)} is after windowEnd ${iso(end)}`);
    if (end - start > INVARIANT_LIMITS.windowMs) this.fail('windowEnd', `a window of ${end - start} ms is longer than a day`);
    this.string('host.hostname', INVARIANT_LIMITS.short);
    this.string('host.kernel', INVARIANT_LIMITS.short);
    this.string('host.bootId', INVARIANT_LIMITS.short);
    this.string('host.os', INVARIANT_LIMITS.short);
    const seen = new Map<number, number | number[]>();
    this.array((i) => {
      this.proc = i;
      this.process(seen);
      this.list = '';
      this.item = -1;
    });
    this.proc = -1;
    this.list = 'drops';
    this.map(() => this.count('value'));
    this.list = 'agentStats';
    this.map(() => {
      const v = this.buf.readDoubleLE(this.pos);
      this.pos += 8;
      if (!Number.isFinite(v)) this.fail('', `${v} is not a finite number`);
    });
  }

  private process(seen: Map<number, number | number[]>): void {
    const pid = this.long();
    const ppid = this.long();
    if (pid <= 0) this.fail('pid', `${pid} is not a process id`);
    if (ppid < 0) this.fail('ppid', `${ppid} is not a process id`);
    if (ppid === pid) this.fail('ppid', 'a process is not its own parent');
    const start = this.long();
    if (start < 0) this.fail('startTimeNs', 'negative');
    // (bootId, pid, startTimeNs) identifies a process: one entry per process and window (a pid
    // reused within the window is another process; numbers only, a string key per process costs more)
    const starts = seen.get(pid);
    if (starts === undefined) seen.set(pid, start);
    else if (starts === start || (Array.isArray(starts) && starts.includes(start))) this.fail('', `process ${pid} (started at ${start} ns) appears twice in the batch`);
    else seen.set(pid, Array.isArray(starts) ? [...starts, start] : [starts, start]);
    this.string('exe', INVARIANT_LIMITS.path);
    if (this.union()) this.string('exeHash', INVARIANT_LIMITS.short);
    this.string('comm', INVARIANT_LIMITS.short);
    this.skip(); // uid
    this.skip(); // gid
    this.string('cgroup', INVARIANT_LIMITS.text);
    if (this.union()) this.string('containerId', INVARIANT_LIMITS.short);
    this.list = 'ancestry';
    let depth = 0;
    this.array((i) => {
      this.item = i;
      depth = i + 1;
      if (i >= INVARIANT_LIMITS.ancestry) this.fail('', `deeper than ${INVARIANT_LIMITS.ancestry}`);
      this.string('', INVARIANT_LIMITS.path);
    });
    this.list = '';
    this.item = -1;
    const exited = this.buf[this.pos++] === 1;
    if (this.union()) {
      this.long();
      if (!exited) this.fail('exitCode', 'an exit code for a process that has not exited');
    }
    this.list = 'syscalls';
    this.map(() => this.count('value'), true);
    this.list = 'sequences';
    const k = this.long();
    if (k < 1 || k > INVARIANT_LIMITS.ngramK) this.fail('k', `${k} is outside 1..${INVARIANT_LIMITS.ngramK}`);
    this.list = 'sequences.ngrams';
    this.array((i) => {
      this.item = i;
      this.skip(); // hash
      this.count('count');
    });
    this.list = 'files';
    this.array((i) => {
      this.item = i;
      this.string('path', INVARIANT_LIMITS.path);
      this.skip(); // flags
      this.ret('ret');
      this.count('count');
      this.time('firstSeen');
    });
    this.list = 'execs';
    this.array((i) => {
      this.item = i;
      this.time('time');
      this.string('filename', INVARIANT_LIMITS.path);
      this.array((j) => {
        if (j >= INVARIANT_LIMITS.args) this.fail('argv', `more than ${INVARIANT_LIMITS.args} arguments`);
        this.string(`argv[${j}]`, INVARIANT_LIMITS.arg);
      });
      this.ret('ret');
    });
    this.list = 'network';
    this.array((i) => {
      this.item = i;
      this.skip(); // op (enum index, checked by the structural pass)
      this.skip(); // family
      this.string('addr', INVARIANT_LIMITS.text);
      const port = this.long();
      if (port < 0 || port > 65_535) this.fail('port', `${port} is not a port`);
      this.ret('ret');
      this.count('count');
      this.time('firstSeen');
    });
    this.list = 'security';
    this.array((i) => {
      this.item = i;
      this.time('time');
      if (this.string('kind', INVARIANT_LIMITS.short) === 0) this.fail('kind', 'empty');
      this.ret('ret');
      this.map(() => this.string('args value', INVARIANT_LIMITS.text));
    });
    this.list = '';
    this.item = -1;
    // argv of the running image (null when unknown): the same bounds as an exec's argv
    if (this.union()) {
      this.array((j) => {
        if (j >= INVARIANT_LIMITS.args) this.fail('argv', `more than ${INVARIANT_LIMITS.args} arguments`);
        this.string(`argv[${j}]`, INVARIANT_LIMITS.arg);
      });
    }
    // pids of the ancestry (null from older agents): one per ancestor, none of them this process
    if (this.union()) {
      let n = 0;
      this.array((j) => {
        n = j + 1;
        const ancestor = this.long();
        if (ancestor <= 0) this.fail(`ancestorPids[${j}]`, `${ancestor} is not a process id`);
        if (ancestor === pid) this.fail(`ancestorPids[${j}]`, 'a process is not its own ancestor');
      });
      if (n !== depth) this.fail('ancestorPids', `${n} pids for an ancestry of ${depth}`);
    }
  }

  /** Zigzag varint (the structural pass bounded it to the safe integer range). */
  private long(): number {
    let n = 0;
    let mult = 1;
    for (;;) {
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * mult;
      if ((b & 0x80) === 0) break;
      mult *= 128;
    }
    // zigzag: 32-bit integer ops for the common small values (a double % is ~10× slower)
    if (n < 0x80000000) return (n >>> 1) ^ -(n & 1);
    const half = Math.floor(n / 2);
    return n === half * 2 ? half : -half - 1;
  }

  /** Step over a varint whose value does not matter. */
  private skip(): void {
    while ((this.buf[this.pos++]! & 0x80) !== 0);
  }

  private count(field: string): void {
    const n = this.long();
    if (n < 0) this.fail(field, `negative count ${n}`);
  }

  private ret(field: string): void {
    const r = this.long();
    if (r < MIN_RET) this.fail(field, `${r} is neither a result nor an -errno`);
  }

  private time(field: string): number {
    const t = this.long();
    if (t > this.maxTime) this.fail(field, `${iso(t)} is more than ${this.o.maxFutureMs / 1000} s ahead of the gateway's clock (${iso(this.o.now)})`, 'clock_ahead');
    if (t < this.minTime) this.fail(field, `${iso(t)} is more than ${Math.round(this.o.maxPastMs / 86_400_000)} days before the gateway's clock (${iso(this.o.now)})`);
    return t;
  }

  /** Branch index of a [null, X] union: true when X follows. */
  private union(): boolean {
    return this.long() === 1;
  }

  /**
   * A string: at most `max` bytes of valid UTF-8 without NUL (PostgreSQL text and jsonb refuse
   * NUL; a replacement character would hide what the agent saw). Returns the decoded string when
   * `keep`, its byte length otherwise.
   */
  private string(field: string, max: number): number;
  private string(field: string, max: number, keep: true): string;
  private string(field: string, max: number, keep = false): string | number {
    const len = this.long();
    const start = this.pos;
    const end = start + len;
    this.pos = end;
    if (len > max) this.fail(field, `${len} bytes, more than ${max}`);
    const buf = this.buf;
    let ascii = true;
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      if (b === 0) this.fail(field, 'contains a NUL byte');
      if (b >= 0x80) ascii = false;
    }
    if (!ascii && !isUtf8(buf.subarray(start, end))) this.fail(field, 'not valid UTF-8');
    return keep ? buf.toString('utf8', start, end) : len;
  }

  /**
   * A system call name as a map key, checked on its bytes: [a-z_][a-z0-9_]* up to 64 bytes, and
   * `sys_<nr>` only for nr below the probes' table size.
   */
  private syscallName(): void {
    const len = this.long();
    const start = this.pos;
    const end = start + len;
    this.pos = end;
    const buf = this.buf;
    const bad = (): never => this.fail('', `"${buf.toString('utf8', start, Math.min(end, start + 40))}" is not a system call name`);
    if (len === 0 || len > 64) bad();
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      const lower = b >= 0x61 && b <= 0x7a;
      if (!(lower || b === 0x5f || (i > start && b >= 0x30 && b <= 0x39))) bad();
    }
    // "sys_" followed by digits only: the number must be one the probes count
    if (len > 4 && buf[start] === 0x73 && buf[start + 1] === 0x79 && buf[start + 2] === 0x73 && buf[start + 3] === 0x5f) {
      let nr = 0;
      for (let i = start + 4; i < end; i++) {
        const b = buf[i]!;
        if (b < 0x30 || b > 0x39) return;
        nr = nr * 10 + (b - 0x30);
      }
      if (nr >= INVARIANT_LIMITS.syscallNr) this.fail('', `system call number ${nr} is out of range`);
    }
  }

  /** Blocks of items (a negative count is followed by the block's byte size). */
  private array(item: (i: number) => void): void {
    let i = 0;
    for (;;) {
      let n = this.long();
      if (n === 0) return;
      if (n < 0) {
        n = -n;
        this.long();
      }
      for (let j = 0; j < n; j++) item(i++);
    }
  }

  /** A map: each key (a text string, or a system call name) then `value()`. */
  private map(value: () => void, syscallKeys = false): void {
    this.array(() => {
      if (syscallKeys) this.syscallName();
      else this.string('key', INVARIANT_LIMITS.short);
      value();
    });
  }
}

const iso = (t: number): string => {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
};
