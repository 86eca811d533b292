// GENERATED from libs/schemas/avro/telemetry-batch.v1.avsc by scripts/generate-types.cjs — do not edit.
// Regenerate with `npm run generate -w @vigil/schemas` (the build does it too).

/** Avro record dev.vigil.telemetry.v1.HostInfo */
export interface HostInfo {
  hostname: string;
  kernel: string;
  bootId: string;
  /** default "" */
  os: string;
}

/** Avro record dev.vigil.telemetry.v1.NgramCount */
export interface NgramCount {
  hash: number;
  count: number;
}

/** Avro record dev.vigil.telemetry.v1.SequenceData */
export interface SequenceData {
  k: number;
  ngrams: Array<NgramCount>;
}

/** Avro record dev.vigil.telemetry.v1.FileOpen */
export interface FileOpen {
  path: string;
  flags: number;
  /** fd (≥0) or -errno; aggregated as 0 for success. */
  ret: number;
  count: number;
  /** epoch milliseconds */
  firstSeen: number;
}

/** Avro record dev.vigil.telemetry.v1.ExecEvent */
export interface ExecEvent {
  /** epoch milliseconds */
  time: number;
  filename: string;
  argv: Array<string>;
  ret: number;
}

/** Avro enum dev.vigil.telemetry.v1.NetOpKind */
export type NetOpKind = "CONNECT" | "ACCEPT" | "BIND" | "LISTEN" | "OTHER";
/** Symbols of NetOpKind, in schema order. */
export const NetOpKindSymbols = ["CONNECT","ACCEPT","BIND","LISTEN","OTHER"] as const;

/** Avro enum dev.vigil.telemetry.v1.AddressFamily */
export type AddressFamily = "INET" | "INET6" | "UNIX" | "OTHER";
/** Symbols of AddressFamily, in schema order. */
export const AddressFamilySymbols = ["INET","INET6","UNIX","OTHER"] as const;

/** Avro record dev.vigil.telemetry.v1.NetworkOp */
export interface NetworkOp {
  op: NetOpKind;
  family: AddressFamily;
  addr: string;
  port: number;
  ret: number;
  count: number;
  /** epoch milliseconds */
  firstSeen: number;
}

/** Avro record dev.vigil.telemetry.v1.SecurityEvent */
export interface SecurityEvent {
  /** epoch milliseconds */
  time: number;
  /** ptrace | mprotect_exec | mmap_exec | setuid | init_module | finit_module | memfd_create | stdio_socket | … */
  kind: string;
  ret: number;
  /** Kind-specific details (e.g. request, target pid, prot, new uid, name). */
  args: Record<string, string>;
}

/** Avro record dev.vigil.telemetry.v1.ProcessActivity */
export interface ProcessActivity {
  pid: number;
  ppid: number;
  /** Process start, ns since boot: (bootId, pid, startTimeNs) identifies a process. */
  startTimeNs: number;
  /** Absolute executable path: the program identity. */
  exe: string;
  /** sha256 of the executable, when the agent computed it. — default null */
  exeHash: null | string;
  comm: string;
  uid: number;
  gid: number;
  /** default "" */
  cgroup: string;
  /** default null */
  containerId: null | string;
  /** exe of parent, grandparent, … up to init. */
  ancestry: Array<string>;
  /** default false */
  exited: boolean;
  /** default null */
  exitCode: null | number;
  /** Exact count per x86-64 syscall name in this window. */
  syscalls: Record<string, number>;
  /** Syscall-sequence data: counts of k-grams of consecutive syscalls per thread, hashed (see libs/schemas docs for the hash). */
  sequences: SequenceData;
  /** File opens aggregated by (path, flags, result). */
  files: Array<FileOpen>;
  /** execve/execveat calls made by this process. */
  execs: Array<ExecEvent>;
  /** connect/accept/bind/listen aggregated by (op, family, addr, port, result). */
  network: Array<NetworkOp>;
  /** Security-relevant calls: ptrace, mprotect/mmap with PROT_EXEC, setuid family, module loads, memfd_create, stdio wired to a socket. */
  security: Array<SecurityEvent>;
  /** argv of the image this process runs now (its last successful exec, or /proc when it was seen running); null when unknown. `execs` are the calls it made, which after fork+exec start another program. — default null */
  argv: null | Array<string>;
  /** pids of `ancestry`, parent first, same length: the chain through parents that made no call in the window (a shell waiting in wait4). null from agents that predate it. — default null */
  ancestorPids: null | Array<number>;
}

/** One agent batch: everything observed on one endpoint during one window. Key in Kafka: endpointId. — Avro record dev.vigil.telemetry.v1.TelemetryBatch */
export interface TelemetryBatch {
  /** Enrolled endpoint id; must match the key that posted it. */
  endpointId: string;
  agentVersion: string;
  /** Unique per batch; duplicates are dropped by the gateway. — UUID string */
  batchId: string;
  /** Per-agent monotonically increasing batch number (gaps are detectable). */
  sequence: number;
  /** epoch milliseconds */
  windowStart: number;
  /** epoch milliseconds */
  windowEnd: number;
  host: HostInfo;
  /** Per-process activity in this window (a process appears in every window it was active in). */
  processes: Array<ProcessActivity>;
  /** What the agent could not deliver in this window, by cause (ringbuf_full, map_full, string_truncated, read_failed, spool_evicted, …). */
  drops: Record<string, number>;
  /** Agent self-metrics for this window (events per second, cpu seconds, rss bytes, …). — default {} */
  agentStats: Record<string, number>;
}

/** The Avro schema of telemetry-batch.v1.avsc, verbatim. */
export const TelemetryBatchV1Schema = {
  "type": "record",
  "name": "TelemetryBatch",
  "namespace": "dev.vigil.telemetry.v1",
  "doc": "One agent batch: everything observed on one endpoint during one window. Key in Kafka: endpointId.",
  "fields": [
    {
      "name": "endpointId",
      "type": "string",
      "doc": "Enrolled endpoint id; must match the key that posted it."
    },
    {
      "name": "agentVersion",
      "type": "string"
    },
    {
      "name": "batchId",
      "type": {
        "type": "string",
        "logicalType": "uuid"
      },
      "doc": "Unique per batch; duplicates are dropped by the gateway."
    },
    {
      "name": "sequence",
      "type": "long",
      "doc": "Per-agent monotonically increasing batch number (gaps are detectable)."
    },
    {
      "name": "windowStart",
      "type": {
        "type": "long",
        "logicalType": "timestamp-millis"
      }
    },
    {
      "name": "windowEnd",
      "type": {
        "type": "long",
        "logicalType": "timestamp-millis"
      }
    },
    {
      "name": "host",
      "type": {
        "type": "record",
        "name": "HostInfo",
        "fields": [
          {
            "name": "hostname",
            "type": "string"
          },
          {
            "name": "kernel",
            "type": "string"
          },
          {
            "name": "bootId",
            "type": "string"
          },
          {
            "name": "os",
            "type": "string",
            "default": ""
          }
        ]
      }
    },
    {
      "name": "processes",
      "doc": "Per-process activity in this window (a process appears in every window it was active in).",
      "type": {
        "type": "array",
        "items": {
          "type": "record",
          "name": "ProcessActivity",
          "fields": [
            {
              "name": "pid",
              "type": "int"
            },
            {
              "name": "ppid",
              "type": "int"
            },
            {
              "name": "startTimeNs",
              "type": "long",
              "doc": "Process start, ns since boot: (bootId, pid, startTimeNs) identifies a process."
            },
            {
              "name": "exe",
              "type": "string",
              "doc": "Absolute executable path: the program identity."
            },
            {
              "name": "exeHash",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "sha256 of the executable, when the agent computed it."
            },
            {
              "name": "comm",
              "type": "string"
            },
            {
              "name": "uid",
              "type": "int"
            },
            {
              "name": "gid",
              "type": "int"
            },
            {
              "name": "cgroup",
              "type": "string",
              "default": ""
            },
            {
              "name": "containerId",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "ancestry",
              "type": {
                "type": "array",
                "items": "string"
              },
              "doc": "exe of parent, grandparent, … up to init."
            },
            {
              "name": "exited",
              "type": "boolean",
              "default": false
            },
            {
              "name": "exitCode",
              "type": [
                "null",
                "int"
              ],
              "default": null
            },
            {
              "name": "syscalls",
              "type": {
                "type": "map",
                "values": "long"
              },
              "doc": "Exact count per x86-64 syscall name in this window."
            },
            {
              "name": "sequences",
              "doc": "Syscall-sequence data: counts of k-grams of consecutive syscalls per thread, hashed (see libs/schemas docs for the hash).",
              "type": {
                "type": "record",
                "name": "SequenceData",
                "fields": [
                  {
                    "name": "k",
                    "type": "int"
                  },
                  {
                    "name": "ngrams",
                    "type": {
                      "type": "array",
                      "items": {
                        "type": "record",
                        "name": "NgramCount",
                        "fields": [
                          {
                            "name": "hash",
                            "type": "long"
                          },
                          {
                            "name": "count",
                            "type": "long"
                          }
                        ]
                      }
                    }
                  }
                ]
              }
            },
            {
              "name": "files",
              "doc": "File opens aggregated by (path, flags, result).",
              "type": {
                "type": "array",
                "items": {
                  "type": "record",
                  "name": "FileOpen",
                  "fields": [
                    {
                      "name": "path",
                      "type": "string"
                    },
                    {
                      "name": "flags",
                      "type": "int"
                    },
                    {
                      "name": "ret",
                      "type": "int",
                      "doc": "fd (≥0) or -errno; aggregated as 0 for success."
                    },
                    {
                      "name": "count",
                      "type": "long"
                    },
                    {
                      "name": "firstSeen",
                      "type": {
                        "type": "long",
                        "logicalType": "timestamp-millis"
                      }
                    }
                  ]
                }
              }
            },
            {
              "name": "execs",
              "doc": "execve/execveat calls made by this process.",
              "type": {
                "type": "array",
                "items": {
                  "type": "record",
                  "name": "ExecEvent",
                  "fields": [
                    {
                      "name": "time",
                      "type": {
                        "type": "long",
                        "logicalType": "timestamp-millis"
                      }
                    },
                    {
                      "name": "filename",
                      "type": "string"
                    },
                    {
                      "name": "argv",
                      "type": {
                        "type": "array",
                        "items": "string"
                      }
                    },
                    {
                      "name": "ret",
                      "type": "int"
                    }
                  ]
                }
              }
            },
            {
              "name": "network",
              "doc": "connect/accept/bind/listen aggregated by (op, family, addr, port, result).",
              "type": {
                "type": "array",
                "items": {
                  "type": "record",
                  "name": "NetworkOp",
                  "fields": [
                    {
                      "name": "op",
                      "type": {
                        "type": "enum",
                        "name": "NetOpKind",
                        "symbols": [
                          "CONNECT",
                          "ACCEPT",
                          "BIND",
                          "LISTEN",
                          "OTHER"
                        ],
                        "default": "OTHER"
                      }
                    },
                    {
                      "name": "family",
                      "type": {
                        "type": "enum",
                        "name": "AddressFamily",
                        "symbols": [
                          "INET",
                          "INET6",
                          "UNIX",
                          "OTHER"
                        ],
                        "default": "OTHER"
                      }
                    },
                    {
                      "name": "addr",
                      "type": "string"
                    },
                    {
                      "name": "port",
                      "type": "int"
                    },
                    {
                      "name": "ret",
                      "type": "int"
                    },
                    {
                      "name": "count",
                      "type": "long"
                    },
                    {
                      "name": "firstSeen",
                      "type": {
                        "type": "long",
                        "logicalType": "timestamp-millis"
                      }
                    }
                  ]
                }
              }
            },
            {
              "name": "security",
              "doc": "Security-relevant calls: ptrace, mprotect/mmap with PROT_EXEC, setuid family, module loads, memfd_create, stdio wired to a socket.",
              "type": {
                "type": "array",
                "items": {
                  "type": "record",
                  "name": "SecurityEvent",
                  "fields": [
                    {
                      "name": "time",
                      "type": {
                        "type": "long",
                        "logicalType": "timestamp-millis"
                      }
                    },
                    {
                      "name": "kind",
                      "type": "string",
                      "doc": "ptrace | mprotect_exec | mmap_exec | setuid | init_module | finit_module | memfd_create | stdio_socket | …"
                    },
                    {
                      "name": "ret",
                      "type": "int"
                    },
                    {
                      "name": "args",
                      "type": {
                        "type": "map",
                        "values": "string"
                      },
                      "doc": "Kind-specific details (e.g. request, target pid, prot, new uid, name)."
                    }
                  ]
                }
              }
            },
            {
              "name": "argv",
              "type": [
                "null",
                {
                  "type": "array",
                  "items": "string"
                }
              ],
              "default": null,
              "doc": "argv of the image this process runs now (its last successful exec, or /proc when it was seen running); null when unknown. `execs` are the calls it made, which after fork+exec start another program."
            },
            {
              "name": "ancestorPids",
              "type": [
                "null",
                {
                  "type": "array",
                  "items": "int"
                }
              ],
              "default": null,
              "doc": "pids of `ancestry`, parent first, same length: the chain through parents that made no call in the window (a shell waiting in wait4). null from agents that predate it."
            }
          ]
        }
      }
    },
    {
      "name": "drops",
      "type": {
        "type": "map",
        "values": "long"
      },
      "doc": "What the agent could not deliver in this window, by cause (ringbuf_full, map_full, string_truncated, read_failed, spool_evicted, …)."
    },
    {
      "name": "agentStats",
      "type": {
        "type": "map",
        "values": "double"
      },
      "default": {},
      "doc": "Agent self-metrics for this window (events per second, cpu seconds, rss bytes, …)."
    }
  ]
} as const;

/** Root record of telemetry-batch.v1.avsc. */
export type TelemetryBatchV1 = TelemetryBatch;
