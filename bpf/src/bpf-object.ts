import { native, type NativeHandle, type NativeMapDump, type NativeProgram } from './native';

/** Open records that pass the addon's aggregation at once: any of `flags` set, or a path starting with one of `prefixes`. */
export interface OpenPassFilter {
  flags: number;
  prefixes: readonly string[];
}

/** The addon's encoding of an OpenPassFilter (agg_set_pass): u32 flags, then NUL-terminated prefixes. */
export function encodePassFilter(f: OpenPassFilter): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(f.flags >>> 0, 0);
  return Buffer.concat([head, ...f.prefixes.map((p) => Buffer.from(`${p}\0`))]);
}

/** A libbpf object: configure (rodata, map sizes) → load → attach → poll/dump → close. */
export class BpfObject {
  private closed = false;
  private pollInFlight: Promise<Buffer> | undefined;

  private constructor(private readonly handle: NativeHandle) {}

  /** Open (parse) an object file; nothing is loaded into the kernel yet. */
  static open(path: string): BpfObject {
    return new BpfObject(native().open(path));
  }

  /** Set a `const volatile` variable before load (arrays and structs: a Buffer of its exact size). */
  setRodata(name: string, value: number | bigint | Buffer): this {
    native().setRodata(this.handle, name, value);
    return this;
  }

  /** Runs the kernel skipped because the program was already running on that CPU (all programs, cumulative). */
  programMisses(): number {
    return native().programMisses(this.handle);
  }

  /** The object's programs with their sections. */
  programs(): NativeProgram[] {
    return native().programs(this.handle);
  }

  /** Leave a program out of load and attach (or put it back); before load. */
  setAutoload(program: string, on: boolean): this {
    native().setAutoload(this.handle, program, on);
    return this;
  }

  /** Resize a map before load (ring buffers: a power of two multiple of the page size). */
  setMaxEntries(map: string, n: number): this {
    native().setMaxEntries(this.handle, map, n);
    return this;
  }

  /** Load into the kernel; the error message carries the verifier log on failure. */
  load(): this {
    native().load(this.handle);
    return this;
  }

  attach(): this {
    native().attach(this.handle);
    return this;
  }

  detach(): void {
    native().detach(this.handle);
  }

  /**
   * Consume from this ring-buffer map with poll(). aggregateHoldMs: aggregate repeated open records
   * (see ProbeOptions.aggregateOpens) and hand them over at most this often, or to poll(0).
   * passAtOnce: which of them are not held when they are the first of their key since the last
   * hand-over (see ProbeOptions.aggregatePassAtOnce).
   */
  openRingBuffer(map: string, opts: { aggregateHoldMs?: number; passAtOnce?: OpenPassFilter } = {}): void {
    native().ringbufOpen(this.handle, map, opts.aggregateHoldMs, opts.passAtOnce ? encodePassFilter(opts.passAtOnce) : undefined);
  }

  /**
   * Wait up to timeoutMs on a worker thread, then consume everything pending: one Buffer of
   * records (see splitBatch), possibly empty. One poll at a time.
   */
  poll(timeoutMs: number): Promise<Buffer> {
    if (this.pollInFlight) throw new Error('a poll is already in flight');
    const p = new Promise<Buffer>((resolve, reject) => {
      native().ringbufPoll(this.handle, timeoutMs, (err, batch) => {
        this.pollInFlight = undefined;
        if (err) reject(err);
        else resolve(batch ?? Buffer.alloc(0));
      });
    });
    this.pollInFlight = p;
    return p;
  }

  /** Every entry of a map (per-CPU values not yet summed). */
  dumpMap(map: string): NativeMapDump {
    return native().mapDump(this.handle, map);
  }

  /** A copy of an mmapable array of 16-byte {u64 key, u64 count} slots, read in place (no syscall per entry). */
  readSlots(map: string): Buffer {
    return native().slotsRead(this.handle, map);
  }

  /** Free these slots of an mmapable slot array (count zeroed first, then the key). */
  freeSlots(map: string, indices: readonly number[]): void {
    if (indices.length) native().slotsFree(this.handle, map, Buffer.from(Uint32Array.from(indices).buffer));
  }

  /** Delete the given packed keys; returns how many existed. */
  deleteKeys(map: string, keys: Buffer): number {
    return keys.length === 0 ? 0 : native().mapDeleteKeys(this.handle, map, keys);
  }

  /** Detach and free everything (waits for an in-flight poll). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    native().detach(this.handle);
    if (this.pollInFlight) await this.pollInFlight.catch(() => undefined);
    native().close(this.handle);
  }
}

/** Sum the per-CPU u64 slots of entry i of a dump. */
export function sumPerCpuU64(dump: NativeMapDump, i: number): bigint {
  const cpus = dump.valueSize / 8;
  let sum = 0n;
  for (let c = 0; c < cpus; c++) sum += dump.values.readBigUInt64LE(i * dump.valueSize + c * 8);
  return sum;
}

/** An unsigned 64-bit little-endian value as a JS number (exact below 2^53). */
export function readU64(b: Buffer, off: number): number {
  return b.readUInt32LE(off) + b.readUInt32LE(off + 4) * 0x1_0000_0000;
}

/** Same as sumPerCpuU64 as a JS number (exact below 2^53; counts never get near). */
export function sumPerCpu(dump: NativeMapDump, i: number): number {
  const cpus = dump.valueSize / 8;
  const base = i * dump.valueSize;
  let sum = 0;
  for (let c = 0; c < cpus; c++) sum += readU64(dump.values, base + c * 8);
  return sum;
}

/** Number of possible CPUs (the per-CPU value stride divisor). */
export function possibleCpus(): number {
  return native().numPossibleCpus();
}
