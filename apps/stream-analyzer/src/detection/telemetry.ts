/**
 * The analyzer's own view of a decoded TelemetryBatch (libs/schemas/avro/telemetry-batch.v1.avsc).
 * It mirrors the Avro record field for field; the Kafka side adapts whatever the decoder yields
 * (avsc objects, generated types) into this shape, so detection code never depends on the codec.
 */

/** Kind of a network operation (Avro enum NetOpKind). */
export type NetOpKind = 'CONNECT' | 'ACCEPT' | 'BIND' | 'LISTEN' | 'OTHER';
/** Address family (Avro enum AddressFamily). */
export type AddressFamily = 'INET' | 'INET6' | 'UNIX' | 'OTHER';

/** Count of one k-gram of consecutive syscalls (hash: libs/schemas kgram-hash.ts, the kernel's packing). */
export interface NgramCount {
  /** k-gram hash (< 2^50); the decoder may give a bigint or a number. */
  hash: bigint | number;
  count: number;
}

/** k-gram counts for one process in one window. */
export interface SequenceData {
  k: number;
  ngrams: NgramCount[];
}

/** File opens aggregated by (path, flags, result). */
export interface FileOpen {
  path: string;
  flags: number;
  /** fd (≥0, aggregated as 0) or -errno. */
  ret: number;
  count: number;
  firstSeen: number;
}

/** One execve/execveat made by the process. */
export interface ExecEvent {
  time: number;
  filename: string;
  argv: string[];
  ret: number;
}

/** connect/accept/bind/listen aggregated by (op, family, addr, port, result). */
export interface NetworkOp {
  op: NetOpKind;
  family: AddressFamily;
  addr: string;
  port: number;
  ret: number;
  count: number;
  firstSeen: number;
}

/** A security-relevant call (ptrace, mprotect_exec, memfd_create, init_module, stdio_socket, …). */
export interface SecurityEvent {
  time: number;
  kind: string;
  ret: number;
  args: Record<string, string>;
}

/** Everything one process did in one batch window. */
export interface ProcessActivity {
  pid: number;
  ppid: number;
  /** ns since boot; (bootId, pid, startTimeNs) identifies one run of a program. */
  startTimeNs: bigint | number;
  exe: string;
  exeHash: string | null;
  comm: string;
  uid: number;
  gid: number;
  cgroup?: string;
  containerId?: string | null;
  /** exe of parent, grandparent, … up to init. */
  ancestry: string[];
  exited?: boolean;
  exitCode?: number | null;
  /** Exact count per x86-64 syscall name in this window. */
  syscalls: Record<string, number>;
  sequences: SequenceData;
  files: FileOpen[];
  execs: ExecEvent[];
  network: NetworkOp[];
  security: SecurityEvent[];
  /** argv of the image the process runs now (null: unknown; absent from agents before it was added). */
  argv?: string[] | null;
}

/** One agent batch: everything observed on one endpoint during one window. */
export interface TelemetryBatch {
  endpointId: string;
  agentVersion: string;
  batchId: string;
  sequence: number;
  windowStart: number;
  windowEnd: number;
  host: { hostname: string; kernel: string; bootId: string; os?: string };
  processes: ProcessActivity[];
  drops: Record<string, number>;
  agentStats?: Record<string, number>;
}
