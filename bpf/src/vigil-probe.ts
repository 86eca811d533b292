import { existsSync } from 'node:fs';
import { KGRAM_BITS, KGRAM_CODE_OTHER, KGRAM_MAX_K, syscallNumber } from '@vigil/schemas';
import { BpfObject, possibleCpus, readU64, sumPerCpu, type OpenPassFilter } from './bpf-object';
import { DROP_CAUSES, KERNEL_DROP_CAUSES, LAYOUTS, type DropCause } from './layout';
import { VIGIL_BPF_OBJECT } from './native';

/** Tunables of vigil.bpf.o, applied before load. */
export interface ProbeOptions {
  /** tgid whose calls produce no argument records (the agent itself). */
  agentTgid: number;
  /** k-gram length, 0 disables sequences (max 5). */
  ngramK: number;
  /** Ring-buffer bytes (power of two, ≥ 4096). */
  ringbufBytes: number;
  /** Force a wake-up once this many bytes are pending. */
  wakeupBytes: number;
  /** Capacity of the (tgid, nr) count map. */
  countEntries: number;
  /** Capacity of the (tgid, k-gram) map. */
  ngramEntries: number;
  /** log2 of the direct-mapped k-gram cache slots per CPU (0 = no cache, max 20). */
  slotBits: number;
  /**
   * Open records of the same (process, path, flags, result class) come out of poll() once with
   * their number (OpenEvent.count), at most every aggregateHoldMs or to poll(0), which hands over
   * everything held (but see aggregatePassAtOnce); off: one record per open.
   */
  aggregateOpens: boolean;
  aggregateHoldMs: number;
  /**
   * Aggregated opens not held when they are the first of their key since the last hand-over: they
   * come out of poll() at once and only their repeats are counted (the agent's urgent path: opens a
   * rule may match). Unset: every open is held.
   */
  aggregatePassAtOnce?: OpenPassFilter;
  /** tracefs mount (default: /sys/kernel/tracing, else /sys/kernel/debug/tracing). */
  tracefs?: string;
  /** Object file to load (default: the built dist/vigil.bpf.o). */
  objectPath?: string;
}

/**
 * The defaults of every tunable and map size of vigil.bpf.o: the one place they are decided
 * (load() always sets them all; the C initializers only make the object valid to open).
 */
export const DEFAULT_PROBE_OPTIONS: Omit<ProbeOptions, 'agentTgid'> = {
  ngramK: 3,
  ringbufBytes: 8 * 1024 * 1024,
  wakeupBytes: 512 * 1024,
  countEntries: 65536,
  ngramEntries: 262144,
  slotBits: 12,
  aggregateOpens: false,
  aggregateHoldMs: 1000,
};

/** Cumulative count for one (tgid, key) map entry. */
export interface CountEntry {
  tgid: number;
  /** syscall number (counts) or k-gram hash (ngrams). */
  key: number;
  count: number;
}

const COUNT_KEY = LAYOUTS.vigil_count_key!;
const NGRAM_KEY = LAYOUTS.vigil_ngram_key!;
const DROP_KEY = LAYOUTS.vigil_drop_key!;
const SLOT = LAYOUTS.vigil_slot!;
/** Cache slot keys are tgid << 42 | window (vigil_events.h VIGIL_SLOT_TGID_SHIFT). */
const SLOT_TGID_SHIFT = 42;

/** The (tgid, window) of the cache slot at `off`, or undefined when the slot is free (key 0). */
function slotKey(slots: Buffer, off: number): { tgid: number; window: number } | undefined {
  const lo = slots.readUInt32LE(off + SLOT.fields.key!.offset);
  const hi = slots.readUInt32LE(off + SLOT.fields.key!.offset + 4);
  if (lo === 0 && hi === 0) return undefined;
  // tgid is the key's bits 42…63 (hi >>> 10); the window's top 10 bits are hi & 0x3ff
  return { tgid: hi >>> (SLOT_TGID_SHIFT - 32), window: (hi & ((1 << (SLOT_TGID_SHIFT - 32)) - 1)) * 0x1_0000_0000 + lo };
}

/** nested[a][b] += n */
function addTo(nested: Map<number, Map<number, number>>, a: number, b: number, n: number): void {
  let m = nested.get(a);
  if (!m) nested.set(a, (m = new Map()));
  m.set(b, (m.get(b) ?? 0) + n);
}

const EXIT_SECTION = 'tracepoint/syscalls/sys_exit_';

function findTracefs(): string {
  return ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'].find((d) => existsSync(`${d}/events`)) ?? '/sys/kernel/tracing';
}

/** How argument records are completed at syscall exit on this kernel. */
export interface ExitHookPlan {
  /** `per-syscall`: one syscalls/sys_exit_NAME tracepoint per call with arguments; `raw`: the raw sys_exit fallback on every call. */
  mode: 'per-syscall' | 'raw';
  /** Calls with argument records that this kernel does not implement (no exit tracepoint): reported at entry with -ENOSYS. */
  notImplemented: string[];
}

/**
 * Load the per-syscall exit hooks whose tracepoint exists, and only the raw sys_exit fallback when
 * the kernel has no syscall tracepoints at all. A call whose exit tracepoint is missing is not
 * implemented by this kernel (sys_ni_syscall has none): its bit in `exit_ni` makes sys_enter report
 * it with -ENOSYS.
 */
export function chooseExitHooks(obj: BpfObject, tracefs: string): ExitHookPlan {
  const perSyscall = existsSync(`${tracefs}/events/syscalls`);
  const exitNi = Buffer.alloc(64);
  const notImplemented: string[] = [];
  for (const p of obj.programs()) {
    if (p.name === 'vigil_sys_exit') obj.setAutoload(p.name, !perSyscall);
    if (!p.section.startsWith(EXIT_SECTION)) continue;
    const call = p.section.slice(EXIT_SECTION.length);
    const present = perSyscall && existsSync(`${tracefs}/events/syscalls/sys_exit_${call}`);
    obj.setAutoload(p.name, present);
    if (!perSyscall || present) continue;
    const nr = syscallNumber(call);
    if (nr === undefined || nr >= 512) throw new Error(`BPF program ${p.name}: unknown syscall ${call}`);
    exitNi.writeBigUInt64LE(exitNi.readBigUInt64LE((nr >> 6) * 8) | (1n << BigInt(nr & 63)), (nr >> 6) * 8);
    notImplemented.push(call);
  }
  obj.setRodata('exit_ni', exitNi);
  return { mode: perSyscall ? 'per-syscall' : 'raw', notImplemented };
}

/** The loaded Vigil probe: every hook attached, with typed access to its maps. */
export class VigilProbe {
  private constructor(
    readonly obj: BpfObject,
    readonly options: ProbeOptions,
    /** How argument records are completed at syscall exit on this kernel. */
    readonly exitHooks: ExitHookPlan,
  ) {}

  /** Cache slots in use (k-windows held in place of the k-gram map). */
  private get slotBits(): number {
    return this.options.ngramK > 0 ? this.options.slotBits : 0;
  }

  /** Open, configure, load and attach. Throws with the verifier log if the kernel refuses. */
  static start(opts: Partial<ProbeOptions> & { agentTgid: number }): VigilProbe {
    const o: ProbeOptions = { ...DEFAULT_PROBE_OPTIONS, ...opts };
    if (opts.wakeupBytes === undefined) o.wakeupBytes = Math.min(o.wakeupBytes, o.ringbufBytes / 4);
    if (o.ngramK < 0 || o.ngramK > KGRAM_MAX_K) throw new RangeError(`ngramK must be 0…${KGRAM_MAX_K}, got ${o.ngramK}`);
    if (!Number.isInteger(o.slotBits) || o.slotBits < 0 || o.slotBits > 20) throw new RangeError(`slotBits must be 0…20, got ${o.slotBits}`);
    const obj = BpfObject.open(o.objectPath ?? VIGIL_BPF_OBJECT);
    let exitHooks: ExitHookPlan;
    try {
      obj
        .setRodata('agent_tgid', o.agentTgid)
        .setRodata('ngram_k', o.ngramK)
        .setRodata('wakeup_bytes', BigInt(o.wakeupBytes))
        .setMaxEntries('events', o.ringbufBytes)
        .setMaxEntries('syscall_counts', o.countEntries)
        .setMaxEntries('ngram_counts', o.ngramEntries)
        .setRodata('slot_bits', o.slotBits)
        .setMaxEntries('slot_counts', Math.max(1, possibleCpus() << o.slotBits));
      exitHooks = chooseExitHooks(obj, o.tracefs ?? findTracefs());
      obj
        .load()
        .attach();
      obj.openRingBuffer('events', o.aggregateOpens ? { aggregateHoldMs: o.aggregateHoldMs, passAtOnce: o.aggregatePassAtOnce } : {});
    } catch (err) {
      void obj.close();
      throw err;
    }
    return new VigilProbe(obj, o, exitHooks);
  }

  /** Records pending in the ring buffer (waits up to timeoutMs). */
  poll(timeoutMs: number): Promise<Buffer> {
    return this.obj.poll(timeoutMs);
  }

  /**
   * Cumulative counts, from one pass over each map: exact per-(tgid, nr) syscall counts and
   * per-(tgid, k-gram hash) counts. The k-gram counts (per-CPU cache slots, then the k-gram map)
   * hold every window of a thread's last k calls (partial ones too) and the lowest code names the
   * call, so the syscall counts are those windows summed by that code plus the (tgid, nr) map,
   * which has the calls the k-gram counts do not.
   */
  activity(): { syscalls: CountEntry[]; ngrams: CountEntry[] } {
    const windows = new Map<number, Map<number, number>>(); // tgid → window → count
    const slots = this.slotBits ? this.obj.readSlots('slot_counts') : undefined;
    for (let off = 0; slots && off < slots.length; off += SLOT.size) {
      const key = slotKey(slots, off);
      if (key) addTo(windows, key.tgid, key.window, readU64(slots, off + SLOT.fields.count!.offset));
    }
    const n = this.obj.dumpMap('ngram_counts');
    for (let i = 0; i < n.count; i++) {
      const off = i * n.keySize;
      const tgid = n.keys.readUInt32LE(off + NGRAM_KEY.fields.tgid!.offset);
      const hash = readU64(n.keys, off + NGRAM_KEY.fields.hash!.offset);
      addTo(windows, tgid, hash, sumPerCpu(n, i));
    }

    const syscalls: CountEntry[] = [];
    const ngrams: CountEntry[] = [];
    const k = this.options.ngramK;
    const radix = 2 ** KGRAM_BITS; // the packing of libs/schemas kgram-hash.ts, which the kernel computes
    const full = k > 0 ? radix ** (k - 1) : Infinity; // a full window's oldest code is non-zero
    const perTgid = new Map<number, Map<number, number>>(); // tgid → nr → count
    for (const [tgid, m] of windows)
      for (const [window, count] of m) {
        const code = window % radix;
        if (code !== KGRAM_CODE_OTHER) addTo(perTgid, tgid, code - 1, count);
        if (window >= full) ngrams.push({ tgid, key: window, count });
      }
    const c = this.obj.dumpMap('syscall_counts');
    for (let i = 0; i < c.count; i++) {
      const off = i * c.keySize;
      addTo(perTgid, c.keys.readUInt32LE(off + COUNT_KEY.fields.tgid!.offset), c.keys.readUInt32LE(off + COUNT_KEY.fields.nr!.offset), sumPerCpu(c, i));
    }
    for (const [tgid, m] of perTgid) for (const [nr, count] of m) syscalls.push({ tgid, key: nr, count });
    return { syscalls, ngrams };
  }

  /** Cumulative per-(tgid, nr) syscall counts (see {@link activity}). */
  syscallCounts(): CountEntry[] {
    return this.activity().syscalls;
  }

  /** Cumulative per-(tgid, k-gram hash) counts, full windows only (see {@link activity}). */
  ngramCounts(): CountEntry[] {
    return this.activity().ngrams;
  }

  /** Kernel loss counters by cause (cumulative since load). */
  drops(): Record<DropCause, number> {
    const d = this.obj.dumpMap('drops');
    const out = Object.fromEntries(DROP_CAUSES.map((c) => [c, 0])) as Record<DropCause, number>;
    for (let i = 0; i < d.count; i++) {
      const cause = KERNEL_DROP_CAUSES[d.keys.readUInt32LE(i * d.keySize)];
      if (cause) out[cause] = sumPerCpu(d, i);
    }
    out.prog_missed = this.obj.programMisses();
    return out;
  }

  /** Losses attributed to the process in whose context they happened (cumulative). */
  dropsByProcess(): Map<number, Partial<Record<DropCause, number>>> {
    const d = this.obj.dumpMap('drops_by_tgid');
    const out = new Map<number, Partial<Record<DropCause, number>>>();
    for (let i = 0; i < d.count; i++) {
      const k = i * d.keySize;
      const tgid = d.keys.readUInt32LE(k + DROP_KEY.fields.tgid!.offset);
      const cause = KERNEL_DROP_CAUSES[d.keys.readUInt32LE(k + DROP_KEY.fields.cause!.offset)];
      if (!cause) continue;
      const entry = out.get(tgid) ?? {};
      entry[cause] = (entry[cause] ?? 0) + sumPerCpu(d, i);
      out.set(tgid, entry);
    }
    return out;
  }

  /** Delete every count and k-gram entry of these (exited) processes. */
  forgetProcesses(tgids: Iterable<number>): void {
    const set = new Set(tgids);
    if (set.size === 0) return;
    if (this.slotBits) {
      const slots = this.obj.readSlots('slot_counts');
      const free: number[] = [];
      for (let off = 0; off < slots.length; off += SLOT.size) {
        const key = slotKey(slots, off);
        if (key && set.has(key.tgid)) free.push(off / SLOT.size);
      }
      this.obj.freeSlots('slot_counts', free);
    }
    for (const [map, layout] of [
      ['syscall_counts', COUNT_KEY],
      ['ngram_counts', NGRAM_KEY],
      ['drops_by_tgid', DROP_KEY],
    ] as const) {
      const d = this.obj.dumpMap(map);
      const keys: Buffer[] = [];
      for (let i = 0; i < d.count; i++) {
        const key = d.keys.subarray(i * d.keySize, (i + 1) * d.keySize);
        if (set.has(key.readUInt32LE(layout.fields.tgid!.offset))) keys.push(key);
      }
      this.obj.deleteKeys(map, Buffer.concat(keys));
    }
  }

  /** Detach every hook and free the maps. */
  close(): Promise<void> {
    return this.obj.close();
  }
}
