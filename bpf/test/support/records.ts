import { syscallNumber } from '@vigil/schemas';
import { EventType, LAYOUTS } from '../../src/layout';

/** Builders of ring-buffer records and of the addon's frames, shared by the unit specs. */

const H = LAYOUTS.vigil_event_header!.fields;
const O = LAYOUTS.vigil_open_event!.fields;
const X = LAYOUTS.vigil_exit_event!;

/** Write a record header: type, the record's length as its size, a fixed time, tgid and tgid + 1 as tid. */
export function header(r: Buffer, type: number, tgid: number): void {
  r.writeUInt32LE(type, H.type!.offset);
  r.writeUInt32LE(r.length, H.size!.offset);
  r.writeBigUInt64LE(123456789n, H.ts_ns!.offset);
  r.writeUInt32LE(tgid, H.tgid!.offset);
  r.writeUInt32LE(tgid + 1, H.tid!.offset);
}

/**
 * An open record sized like the kernel's: fixed part + the path bytes read (NUL included), then for
 * `dir` (the directory a relative path is relative to, as the kernel walks it: components leaf
 * first) its NUL-separated components, with resolved set (`resolved` overrides it).
 */
export function openRecord(
  path: string,
  opts: { pathLen?: number; flags?: number; ret?: number; tgid?: number; dfd?: number; dir?: string[]; dirLen?: number; resolved?: number } = {},
): Buffer {
  const p = Buffer.from(`${path}\0`);
  const d = Buffer.from(opts.dir ? opts.dir.map((c) => `${c}\0`).join('') : '');
  const r = Buffer.alloc(O.data!.offset + p.length + d.length);
  header(r, EventType.Open, opts.tgid ?? 40);
  r.writeUInt32LE(syscallNumber('openat')!, O.nr!.offset);
  r.writeInt32LE(opts.dfd ?? -100, O.dfd!.offset);
  r.writeUInt32LE(opts.flags ?? 0, O.flags!.offset);
  r.writeInt32LE(opts.ret ?? 3, O.ret!.offset);
  r.writeUInt32LE(opts.pathLen ?? p.length, O.path_len!.offset);
  r.writeUInt32LE(opts.dirLen ?? d.length, O.dir_len!.offset);
  r.writeUInt32LE(opts.resolved ?? (opts.dir ? 1 : 0), O.resolved!.offset);
  p.copy(r, O.data!.offset);
  d.copy(r, O.data!.offset + p.length);
  return r;
}

/** An exit record of process 41. */
export function exitRecord(code: number): Buffer {
  const r = Buffer.alloc(X.size);
  header(r, EventType.Exit, 41);
  r.writeInt32LE(code, X.fields.exit_code!.offset);
  return r;
}

/** Frame records like the addon's poll(): u32 length, u32 count (0 = one), bytes, padding to 8. */
export function frame(records: Buffer[], counts: number[] = []): Buffer {
  return Buffer.concat(
    records.map((r, i) => {
      const f = Buffer.alloc(8 + ((r.length + 7) & ~7));
      f.writeUInt32LE(r.length, 0);
      f.writeUInt32LE(counts[i] ?? 0, 4);
      r.copy(f, 8);
      return f;
    }),
  );
}
