import { BpfObject, sumPerCpu } from './bpf-object';
import { DROP_CAUSES, LAYOUTS, type DropCause } from './layout';
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
  /** Object file to load (default: the built dist/vigil.bpf.o). */
  objectPath?: string;
}

export const DEFAULT_PROBE_OPTIONS: Omit<ProbeOptions, 'agentTgid'> = {
  ngramK: 3,
  ringbufBytes: 8 * 1024 * 1024,
  wakeupBytes: 512 * 1024,
  countEntries: 65536,
  ngramEntries: 262144,
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

/** The loaded Vigil probe: every hook attached, with typed access to its maps. */
export class VigilProbe {
  private constructor(
    readonly obj: BpfObject,
    readonly options: ProbeOptions,
  ) {}

  /** Open, configure, load and attach. Throws with the verifier log if the kernel refuses. */
  static start(opts: Partial<ProbeOptions> & { agentTgid: number }): VigilProbe {
    const o: ProbeOptions = { ...DEFAULT_PROBE_OPTIONS, ...opts };
    if (o.ngramK < 0 || o.ngramK > 5) throw new RangeError(`ngramK must be 0…5, got ${o.ngramK}`);
    const obj = BpfObject.open(o.objectPath ?? VIGIL_BPF_OBJECT);
    try {
      obj
        .setRodata('agent_tgid', o.agentTgid)
        .setRodata('ngram_k', o.ngramK)
        .setRodata('wakeup_bytes', BigInt(o.wakeupBytes))
        .setMaxEntries('events', o.ringbufBytes)
        .setMaxEntries('syscall_counts', o.countEntries)
        .setMaxEntries('ngram_counts', o.ngramEntries)
        .load()
        .attach();
      obj.openRingBuffer('events');
    } catch (err) {
      void obj.close();
      throw err;
    }
    return new VigilProbe(obj, o);
  }

  /** Records pending in the ring buffer (waits up to timeoutMs). */
  poll(timeoutMs: number): Promise<Buffer> {
    return this.obj.poll(timeoutMs);
  }

  /** Cumulative per-(tgid, nr) syscall counts. */
  syscallCounts(): CountEntry[] {
    const d = this.obj.dumpMap('syscall_counts');
    const out: CountEntry[] = [];
    for (let i = 0; i < d.count; i++) {
      const k = i * d.keySize;
      out.push({
        tgid: d.keys.readUInt32LE(k + COUNT_KEY.fields.tgid!.offset),
        key: d.keys.readUInt32LE(k + COUNT_KEY.fields.nr!.offset),
        count: sumPerCpu(d, i),
      });
    }
    return out;
  }

  /** Cumulative per-(tgid, k-gram hash) counts. */
  ngramCounts(): CountEntry[] {
    const d = this.obj.dumpMap('ngram_counts');
    const out: CountEntry[] = [];
    for (let i = 0; i < d.count; i++) {
      const k = i * d.keySize;
      out.push({
        tgid: d.keys.readUInt32LE(k + NGRAM_KEY.fields.tgid!.offset),
        key: d.keys.readUInt32LE(k + NGRAM_KEY.fields.hash!.offset) + d.keys.readUInt32LE(k + NGRAM_KEY.fields.hash!.offset + 4) * 0x1_0000_0000,
        count: sumPerCpu(d, i),
      });
    }
    return out;
  }

  /** Kernel loss counters by cause (cumulative since load). */
  drops(): Record<DropCause, number> {
    const d = this.obj.dumpMap('drops');
    const out = Object.fromEntries(DROP_CAUSES.map((c) => [c, 0])) as Record<DropCause, number>;
    for (let i = 0; i < d.count && i < DROP_CAUSES.length; i++) out[DROP_CAUSES[d.keys.readUInt32LE(i * d.keySize)]!] = sumPerCpu(d, i);
    return out;
  }

  /** Losses attributed to the process in whose context they happened (cumulative). */
  dropsByProcess(): Map<number, Partial<Record<DropCause, number>>> {
    const d = this.obj.dumpMap('drops_by_tgid');
    const out = new Map<number, Partial<Record<DropCause, number>>>();
    for (let i = 0; i < d.count; i++) {
      const k = i * d.keySize;
      const tgid = d.keys.readUInt32LE(k + DROP_KEY.fields.tgid!.offset);
      const cause = DROP_CAUSES[d.keys.readUInt32LE(k + DROP_KEY.fields.cause!.offset)];
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
