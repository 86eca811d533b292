/**
 * TelemetryBatch v1 (libs/schemas/avro/telemetry-batch.v1.avsc) as plain objects; timestamps are
 * epoch milliseconds, longs are JS numbers (all values here stay below 2^53).
 */
export interface FileOpen {
  path: string;
  flags: number;
  ret: number;
  count: number;
  firstSeen: number;
}
export interface ExecRecord {
  time: number;
  filename: string;
  argv: string[];
  ret: number;
}
export type NetOpKind = 'CONNECT' | 'ACCEPT' | 'BIND' | 'LISTEN' | 'OTHER';
export type AddressFamily = 'INET' | 'INET6' | 'UNIX' | 'OTHER';
export interface NetworkOp {
  op: NetOpKind;
  family: AddressFamily;
  addr: string;
  port: number;
  ret: number;
  count: number;
  firstSeen: number;
}
export interface SecurityRecord {
  time: number;
  kind: string;
  ret: number;
  args: Record<string, string>;
}
export interface ProcessActivity {
  pid: number;
  ppid: number;
  startTimeNs: number;
  exe: string;
  exeHash: string | null;
  comm: string;
  uid: number;
  gid: number;
  cgroup: string;
  containerId: string | null;
  ancestry: string[];
  exited: boolean;
  exitCode: number | null;
  syscalls: Record<string, number>;
  sequences: { k: number; ngrams: { hash: number; count: number }[] };
  files: FileOpen[];
  execs: ExecRecord[];
  network: NetworkOp[];
  security: SecurityRecord[];
  /** argv of the image the process runs now (null: unknown); `execs` are the calls it made. */
  argv: string[] | null;
}
export interface TelemetryBatch {
  endpointId: string;
  agentVersion: string;
  batchId: string;
  sequence: number;
  windowStart: number;
  windowEnd: number;
  host: { hostname: string; kernel: string; bootId: string; os: string };
  processes: ProcessActivity[];
  drops: Record<string, number>;
  agentStats: Record<string, number>;
}
