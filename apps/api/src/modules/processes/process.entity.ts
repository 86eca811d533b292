/** One process run on an endpoint, as the analyzer keeps it in `processes`. */
export interface ProcessEntity {
  bootId: string;
  pid: number;
  ppid: number;
  /** Kernel start time of the task (ns since boot): with boot and pid, the identity of the run. */
  startTimeNs: string;
  exe: string;
  comm: string;
  uid: number;
  containerId: string | null;
  ancestry: string[];
  argv: string[] | null;
  firstSeen: Date;
  lastSeen: Date;
  exitedAt: Date | null;
  exitCode: number | null;
}
