import { basename } from './identity';
import { accessMode, addressClass, argvShape, generalisePath } from './paths';
import type { BagEntry } from './sequence/kgram-model';
import { bump } from './tally';
import type { NetworkOp, ProcessActivity } from './telemetry';

/**
 * The baseline's vocabulary for one process-window: every observation reduced to the keys the
 * baselines count. One function so learning and detection can never disagree on a key.
 */
export interface ProcessFeatures {
  syscalls: Map<string, number>;
  /** `mode path` with the path generalised, e.g. `read /proc/<pid>/stat`. */
  files: Map<string, number>;
  /** Raw example path per file key (for evidence). */
  fileExamples: Map<string, string>;
  /** `child-program` (generalised exe path of successful execs). */
  execChildren: Map<string, number>;
  /** `child-program | argv shape`. */
  execShapes: Map<string, number>;
  /**
   * The process's own command line as an argv shape (`rm -rf /tmp/<*>`), null when the agent could
   * not read it: a program that makes new call orders under a command line it never ran is being
   * used another way, not changed (see the sequence detector).
   */
  command: string | null;
  /**
   * Children started in this window before the process replaced its own image (a shell's command
   * list whose last command it execs in place: `sh -c 'sqlite3 …; rm …'` ends as rm): made by the
   * earlier image, not by the program the window is named after, so neither its baseline nor its
   * novelty (see {@link ownExecIndex}).
   */
  preExecChildren: Map<string, number>;
  /** `OP family class:port`, e.g. `CONNECT INET public:443` (ACCEPT ignores the peer's port). */
  network: Map<string, number>;
  /** Example raw address per network key. */
  networkExamples: Map<string, string>;
  /** Raw operations behind each network key (ports and times for folding and bursts). */
  networkOps: Map<string, NetworkOp[]>;
  /** Security event kinds. */
  security: Map<string, number>;
  /** k-gram counts (kernel packing) with their k (0 when the agent sent none). */
  ngrams: { k: number; bag: BagEntry[] };
  /** True when the process accepted, listened or bound on an inet socket in this window. */
  networkFacing: boolean;
}

export function extractFeatures(p: ProcessActivity): ProcessFeatures {
  const syscalls = new Map<string, number>();
  for (const [name, n] of Object.entries(p.syscalls)) if (n > 0) bump(syscalls, name, Number(n));

  const files = new Map<string, number>();
  const fileExamples = new Map<string, string>();
  for (const f of p.files) {
    if (f.ret < 0) continue; // failed opens: probing, not access
    const key = `${accessMode(f.flags)} ${generalisePath(f.path)}`;
    bump(files, key, Number(f.count) || 1);
    if (!fileExamples.has(key)) fileExamples.set(key, f.path);
  }

  const execChildren = new Map<string, number>();
  const execShapes = new Map<string, number>();
  const preExecChildren = new Map<string, number>();
  const own = ownExecIndex(p);
  p.execs.forEach((e, i) => {
    if (e.ret < 0 || i === own) return;
    const child = generalisePath(e.filename);
    if (i < own) {
      bump(preExecChildren, child);
      return;
    }
    bump(execChildren, child);
    bump(execShapes, `${child} | ${argvShape(e.argv.length ? e.argv : [basename(e.filename)])}`);
  });

  const network = new Map<string, number>();
  const networkExamples = new Map<string, string>();
  const networkOps = new Map<string, NetworkOp[]>();
  let networkFacing = false;
  for (const n of p.network) {
    if (n.ret < 0 && n.op !== 'CONNECT') continue;
    const cls = addressClass(n.addr, n.family);
    const where = n.family === 'UNIX' ? `unix:${generalisePath(n.addr || '<anon>')}` : `${cls}:${n.op === 'ACCEPT' ? '*' : portClass(n.port)}`;
    const key = `${n.op} ${n.family} ${where}`;
    bump(network, key, Number(n.count) || 1);
    if (!networkExamples.has(key)) networkExamples.set(key, n.family === 'UNIX' ? n.addr : `${n.addr}:${n.port}`);
    const ops = networkOps.get(key);
    if (ops) ops.push(n);
    else networkOps.set(key, [n]);
    if ((n.family === 'INET' || n.family === 'INET6') && (n.op === 'ACCEPT' || n.op === 'LISTEN' || n.op === 'BIND') && n.ret >= 0) networkFacing = true;
  }

  const security = new Map<string, number>();
  for (const s of p.security) bump(security, s.kind);

  const bag = new Map<number, number>();
  for (const g of p.sequences?.ngrams ?? []) {
    const key = Number(g.hash); // kernel packing: < 2^50, exact as a number
    bag.set(key, (bag.get(key) ?? 0) + Number(g.count));
  }
  return {
    syscalls,
    files,
    fileExamples,
    execChildren,
    execShapes,
    command: p.argv && p.argv.length > 0 ? argvShape(p.argv) : null,
    preExecChildren,
    network,
    networkExamples,
    networkOps,
    security,
    ngrams: { k: p.sequences?.k ?? 0, bag: [...bag].map(([key, count]) => ({ key, count })) },
    networkFacing,
  };
}

/**
 * Index in `p.execs` of the process's own exec into the image the window is named after (the agent
 * records an exec without fork on the process itself, a fork+exec on the parent): the last
 * successful exec of the window's exe with the window's argv (any argv when it is unknown). −1 when
 * the process did not replace its image in this window. A child of the same program with the very
 * same command line would be taken for it, and only its earlier siblings would move.
 */
export function ownExecIndex(p: Pick<ProcessActivity, 'execs' | 'exe' | 'argv'>): number {
  for (let i = p.execs.length - 1; i >= 0; i--) {
    const e = p.execs[i]!;
    if (e.ret !== 0 || e.filename !== p.exe) continue;
    if (p.argv === null || (e.argv.length === p.argv.length && e.argv.every((a, j) => a === p.argv![j]))) return i;
  }
  return -1;
}

/** Linux's default ephemeral range (net.ipv4.ip_local_port_range) starts here. */
const EPHEMERAL_FROM = 32_768;

/**
 * A port as a baseline key: ports the kernel hands out (0 = "any", or the ephemeral range) say nothing
 * about the service and change every run, so they are one class; service ports stay exact.
 */
export function portClass(port: number): string {
  return port === 0 || port >= EPHEMERAL_FROM ? 'ephemeral' : String(port);
}
