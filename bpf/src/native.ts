import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** Opaque handle of an opened bpf_object in the addon. */
export type NativeHandle = { readonly __brand: 'VigilBpfHandle' };

/** Result of dumping a map: keys and values packed back to back. */
export interface NativeMapDump {
  keys: Buffer;
  values: Buffer;
  count: number;
  keySize: number;
  /** Bytes per entry; for per-CPU maps one 8-byte-aligned slot per possible CPU. */
  valueSize: number;
}

/** One program of an opened object. */
export interface NativeProgram {
  name: string;
  /** ELF section, e.g. `tracepoint/syscalls/sys_exit_openat`. */
  section: string;
  autoload: boolean;
}

/** The C addon's surface (addon/vigil_bpf.c). */
export interface NativeAddon {
  open(path: string): NativeHandle;
  setRodata(h: NativeHandle, name: string, value: number | bigint | Buffer): void;
  programs(h: NativeHandle): NativeProgram[];
  programMisses(h: NativeHandle): number;
  setAutoload(h: NativeHandle, program: string, on: boolean): void;
  setMaxEntries(h: NativeHandle, map: string, n: number): void;
  load(h: NativeHandle): void;
  attach(h: NativeHandle): void;
  detach(h: NativeHandle): void;
  close(h: NativeHandle): void;
  ringbufOpen(h: NativeHandle, map: string, aggregateHoldMs?: number, passAtOnce?: Buffer): void;
  ringbufPoll(h: NativeHandle, timeoutMs: number, cb: (err: Error | null, batch: Buffer | null) => void): void;
  mapDump(h: NativeHandle, map: string): NativeMapDump;
  mapDeleteKeys(h: NativeHandle, map: string, keys: Buffer): number;
  numPossibleCpus(): number;
  slotsRead(h: NativeHandle, map: string): Buffer;
  slotsFree(h: NativeHandle, map: string, indices: Buffer): void;
}

/** Package root (dist/native.js → ..). */
export const PACKAGE_ROOT = join(__dirname, '..');
/** The built CO-RE object. */
export const VIGIL_BPF_OBJECT = join(PACKAGE_ROOT, 'dist', 'vigil.bpf.o');
const ADDON_PATH = join(PACKAGE_ROOT, 'build', 'Release', 'vigil_bpf.node');

let addon: NativeAddon | undefined;

/** Load the addon once; a clear error when the package was not built. */
export function native(): NativeAddon {
  if (addon) return addon;
  if (!existsSync(ADDON_PATH)) throw new Error(`the libbpf addon is not built (${ADDON_PATH} missing): run \`npm run build -w @vigil/bpf\``);
  addon = createRequire(__filename)(ADDON_PATH) as NativeAddon;
  return addon;
}
