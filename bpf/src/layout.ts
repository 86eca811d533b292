/**
 * Byte layout of the structs in src/bpf/include/vigil_events.h, as the decoders read them.
 * layout.spec.ts checks every offset and size against the BTF of the built dist/vigil.bpf.o.
 */

/** A field of a shared struct: byte offset and size. */
export interface FieldLayout {
  offset: number;
  size: number;
}

/** A shared struct: total size and its fields (nested structs are listed by their own name). */
export interface StructLayout {
  size: number;
  fields: Record<string, FieldLayout>;
}

const f = (offset: number, size: number): FieldLayout => ({ offset, size });

/** Sizes of the fixed buffers (VIGIL_* in vigil_events.h). */
export const LIMITS = {
  commLen: 16,
  pathMax: 4096,
  exeMax: 1024,
  execFilenameMax: 512,
  argvMax: 1024,
  unixPathMax: 108,
  secStrMax: 64,
  secPathMax: 512,
  secDirMax: 1024,
  secDataMax: 5376,
  openDataMax: 5376,
} as const;

/** Every shared struct, keyed by its C name. */
export const LAYOUTS: Record<string, StructLayout> = {
  vigil_event_header: { size: 24, fields: { type: f(0, 4), size: f(4, 4), ts_ns: f(8, 8), tgid: f(16, 4), tid: f(20, 4) } },
  vigil_fork_event: {
    size: 64,
    fields: { hdr: f(0, 24), child_tgid: f(24, 4), uid: f(28, 4), gid: f(32, 4), _pad: f(36, 4), child_start_ns: f(40, 8), comm: f(48, 16) },
  },
  vigil_exec_event: {
    size: 2640,
    fields: {
      hdr: f(0, 24),
      ppid: f(24, 4),
      uid: f(28, 4),
      gid: f(32, 4),
      ret: f(36, 4),
      start_ns: f(40, 8),
      filename_len: f(48, 4),
      exe_len: f(52, 4),
      argv_len: f(56, 4),
      _pad: f(60, 4),
      comm: f(64, 16),
      filename: f(80, 512),
      exe: f(592, 1024),
      argv: f(1616, 1024),
    },
  },
  vigil_exit_event: { size: 32, fields: { hdr: f(0, 24), exit_code: f(24, 4), _pad: f(28, 4) } },
  vigil_open_event: {
    size: 5432,
    fields: {
      hdr: f(0, 24),
      nr: f(24, 4),
      dfd: f(28, 4),
      flags: f(32, 4),
      mode: f(36, 4),
      ret: f(40, 4),
      path_len: f(44, 4),
      dir_len: f(48, 4),
      resolved: f(52, 4),
      data: f(56, 5376),
    },
  },
  vigil_net_event: {
    size: 168,
    fields: { hdr: f(0, 24), nr: f(24, 4), ret: f(28, 4), fd: f(32, 4), family: f(36, 2), port: f(38, 2), addr: f(40, 16), unix_path: f(56, 108) },
  },
  vigil_security_event: { size: 152, fields: { hdr: f(0, 24), nr: f(24, 4), _pad: f(28, 4), ret: f(32, 8), args: f(40, 48), str: f(88, 64) } },
  vigil_path_event: {
    size: 5544,
    fields: {
      hdr: f(0, 24),
      nr: f(24, 4),
      resolved: f(28, 4),
      ret: f(32, 8),
      args: f(40, 48),
      path_len: f(88, 8),
      dir_len: f(96, 8),
      str: f(104, 64),
      data: f(168, 5376),
    },
  },
  vigil_count_key: { size: 8, fields: { tgid: f(0, 4), nr: f(4, 4) } },
  vigil_drop_key: { size: 8, fields: { tgid: f(0, 4), cause: f(4, 4) } },
  vigil_ngram_key: { size: 16, fields: { tgid: f(0, 4), _pad: f(4, 4), hash: f(8, 8) } },
  vigil_slot: { size: 16, fields: { key: f(0, 8), count: f(8, 8) } },
};

/** Record kinds (enum vigil_event_type). */
export enum EventType {
  Fork = 1,
  Exec = 2,
  Exit = 3,
  Open = 4,
  Net = 5,
  Security = 6,
  Path = 7,
}

/** Loss causes the programs count, index of the kernel's `drops` array (enum vigil_drop_cause). */
export const KERNEL_DROP_CAUSES = ['ringbuf_full', 'count_map_full', 'ngram_map_full', 'string_truncated', 'read_failed', 'task_storage'] as const;
/**
 * Every loss cause: the programs' own, and `prog_missed`, runs the kernel skipped because the
 * program was already running on that CPU (its recursion guard; not attributable to a process).
 */
export const DROP_CAUSES = [...KERNEL_DROP_CAUSES, 'prog_missed'] as const;
export type DropCause = (typeof DROP_CAUSES)[number];
