import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { KafkaClient, type KafkaAdmin } from '@vigil/kafka';
import { DEFAULT_KAFKA_VERSION, KAFKA_LOG4J2_XML, ensureKafkaClasspath, formatArgs, kraftProperties, newClusterId, serverArgs } from '@vigil/kafka-server';
import { sleep } from '@vigil/common';

const execFileAsync = promisify(execFile);

/** How to build a dedicated test cluster. */
export interface KafkaClusterOptions {
  /** KRaft nodes, each broker + controller (1, or 3 for RF 3 / min.insync.replicas 2). Default 1. */
  nodes?: 1 | 3;
  /** Extra broker properties for every node (after the harness's own test settings). */
  overrides?: Record<string, string | number | boolean>;
  /** How long start() and restart() wait for the cluster to be usable. Default 180 s (a JVM start is slow on a busy 2-core host). */
  startTimeoutMs?: number;
  /** Print a line per step to stderr (format, start, kill, ready) with timings. Default true. */
  verbose?: boolean;
  /**
   * SASL/SCRAM-SHA-512 users (name → password) created at format time, with the StandardAuthorizer
   * on: `admin` is a super user, every other user may do only what its ACLs allow. Absent: PLAINTEXT.
   */
  scramUsers?: Record<string, string>;
}

/** One node of a {@link KafkaTestCluster}. */
export interface KafkaTestNode {
  nodeId: number;
  port: number;
  controllerPort: number;
  /** `127.0.0.1:<port>`. */
  address: string;
  /** Pid of the running JVM (undefined while stopped or killed). */
  pid: number | undefined;
  /** Its broker log (stdout and stderr of the JVM). */
  logFile: string;
}

/** A Kafka cluster of its own for one test file: free loopback ports, storage in a temp dir. */
export interface KafkaTestCluster {
  /** Bootstrap addresses of every node. */
  brokers: string[];
  nodes: readonly KafkaTestNode[];
  /** Temp directory holding every node's config, data and log (removed by stop()). */
  dir: string;
  /** Send `signal` (default SIGKILL: a crash, no controlled shutdown) to a node and wait until it exited. */
  kill(nodeId: number, signal?: NodeJS.Signals): Promise<void>;
  /** Start a stopped node again (a running one is stopped first) and wait until it is registered and unfenced. */
  restart(nodeId: number): Promise<void>;
  /** Wait until every node is registered (unfenced) with the controller. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Wait until every partition of `topic` has all its replicas in sync (after a restart, for example). */
  waitInSync(topic: string, timeoutMs?: number): Promise<void>;
  /** An admin client on this cluster (connected; disconnect it yourself). */
  admin(): Promise<KafkaAdmin>;
  /** The last lines of a node's log (for failure messages). */
  tail(nodeId: number, lines?: number): string;
  /** Kill every node and delete the temp directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Where `./vigil` keeps downloads: $VIGIL_HOME/cache, else the checkout's .vigil/cache. */
function cacheDir(): string {
  const home = process.env.VIGIL_HOME ? resolve(process.env.VIGIL_HOME) : resolve(__dirname, '..', '..', '..', '.vigil');
  return join(home, 'cache');
}

/** `count` distinct free loopback ports (all held open together so none is handed out twice). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((ok, fail) => {
          const s = createServer();
          s.once('error', fail);
          s.listen(0, '127.0.0.1', () => ok(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

/**
 * Settings that make a throw-away cluster start fast and notice a dead node within seconds on a
 * small, busy host: few threads, short broker session (a killed broker is fenced after ~3 s and
 * its partitions get new leaders), no log cleaner.
 */
const TEST_BROKER_SETTINGS: Record<string, string | number | boolean> = {
  'num.network.threads': 2,
  'num.io.threads': 2,
  'background.threads': 2,
  'num.replica.fetchers': 1,
  'num.recovery.threads.per.data.dir': 1,
  'log.cleaner.enable': false,
  'broker.heartbeat.interval.ms': 500,
  'broker.session.timeout.ms': 3000,
  'controller.quorum.election.timeout.ms': 1000,
  'controller.quorum.fetch.timeout.ms': 2000,
  'replica.lag.time.max.ms': 5000,
  'offsets.topic.num.partitions': 3,
  'log.segment.bytes': 16 * 1024 * 1024,
  'log.flush.scheduler.interval.ms': 1000,
};

/** The SCRAM user the brokers of a `scramUsers` cluster use between themselves (and the harness to probe them). */
const BROKER_USER = 'vigil-broker';

/** A short, light JVM: client compiler only, serial GC (test brokers move little data). */
const TEST_JVM = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:-UsePerfData', '-Xss512k'];

/** Child JVMs of this process, killed if the test process exits without stop(). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/**
 * Start a dedicated KRaft cluster of `nodes` nodes from the same cached Apache Kafka jars
 * `./vigil stack` uses (resolved by Maven on first use). Every node formats its own storage in a
 * temp dir and listens on free loopback ports; the shared stack is never touched.
 *
 * ```ts
 * const cluster = await startKafkaCluster({ nodes: 3 });
 * await cluster.kill(2);            // kill -9
 * await cluster.restart(2);
 * await cluster.stop();
 * ```
 */
export async function startKafkaCluster(options: KafkaClusterOptions = {}): Promise<KafkaTestCluster> {
  const n = options.nodes ?? 1;
  const timeoutMs = options.startTimeoutMs ?? 180_000;
  const verbose = options.verbose ?? true;
  const t0 = Date.now();
  const say = (msg: string): void => {
    if (verbose) process.stderr.write(`[kafka-cluster +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
  };
  const libDir = await ensureKafkaClasspath(cacheDir(), say, process.env.VIGIL_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kafka-'));
  const ports = await freePorts(2 * n);
  const clusterId = newClusterId();
  const log4jFile = join(dir, 'log4j2.xml');
  writeFileSync(log4jFile, KAFKA_LOG4J2_XML);
  const voterControllerPorts = Array.from({ length: n }, (_, i) => ports[2 * i + 1]!);

  const scramUsers = options.scramUsers ? { ...options.scramUsers, [BROKER_USER]: randomBytes(16).toString('hex') } : undefined;
  const auth = scramUsers ? { brokerUser: BROKER_USER, brokerPassword: scramUsers[BROKER_USER]!, controllerPassword: randomBytes(16).toString('hex'), superUsers: ['admin'] } : undefined;
  // The harness's own probes and admin() authenticate as the brokers' super user.
  const brokerSasl = scramUsers ? { mechanism: 'scram-sha-512' as const, username: BROKER_USER, password: scramUsers[BROKER_USER]! } : undefined;
  const nodes: KafkaTestNode[] = [];
  const configs = new Map<number, string>();
  const children = new Map<number, ChildProcess>();
  for (let i = 0; i < n; i++) {
    const nodeId = i + 1;
    const nodeDir = join(dir, `node-${nodeId}`);
    mkdirSync(join(nodeDir, 'data'), { recursive: true });
    const config = join(nodeDir, 'server.properties');
    writeFileSync(
      config,
      kraftProperties(
        {
          nodeId,
          port: ports[2 * i]!,
          controllerPort: ports[2 * i + 1]!,
          dataDir: join(nodeDir, 'data'),
          voterControllerPorts,
          auth: auth,
          overrides: { ...TEST_BROKER_SETTINGS, ...options.overrides },
        },
        'Test cluster (libs/testing startKafkaCluster)',
      ),
    );
    configs.set(nodeId, config);
    nodes.push({ nodeId, port: ports[2 * i]!, controllerPort: ports[2 * i + 1]!, address: `127.0.0.1:${ports[2 * i]!}`, pid: undefined, logFile: join(nodeDir, 'kafka.log') });
  }
  const brokers = nodes.map((x) => x.address);
  const node = (nodeId: number): KafkaTestNode => {
    const found = nodes.find((x) => x.nodeId === nodeId);
    if (!found) throw new Error(`no node ${nodeId} in this ${n}-node cluster`);
    return found;
  };
  const tail = (nodeId: number, lines = 30): string => {
    const f = node(nodeId).logFile;
    return existsSync(f) ? readFileSync(f, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)';
  };

  // Formatting is a JVM start each; the nodes format in parallel. A failure leaves nothing behind.
  say(`formatting ${n} node(s) in ${dir}`);
  await Promise.all(
    nodes.map((x) =>
      execFileAsync('java', ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xshare:auto', ...formatArgs(libDir, log4jFile, configs.get(x.nodeId)!, clusterId, scramUsers)], {
        timeout: 120_000,
      }).catch((err: unknown) => {
        const e = err as { stderr?: string; stdout?: string; message: string };
        throw new Error(`formatting Kafka node ${x.nodeId} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      }),
    ),
  ).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  installExitHook();

  const launch = (x: KafkaTestNode): void => {
    const fd = openSync(x.logFile, 'a');
    const child = spawn(
      'java',
      serverArgs(libDir, { log4jFile, configFile: configs.get(x.nodeId)!, logsDir: join(dir, `node-${x.nodeId}`, 'logs'), heap: { min: '128m', max: '512m' }, jvm: TEST_JVM }),
      { stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start Kafka node ${x.nodeId} (java)`);
    live.add(child);
    children.set(x.nodeId, child);
    x.pid = child.pid;
    child.once('exit', () => {
      live.delete(child);
      if (children.get(x.nodeId) === child) {
        children.delete(x.nodeId);
        x.pid = undefined;
      }
    });
  };

  /** The broker ids the controller reports as registered and unfenced, asked of `address`. */
  const registered = async (address: string): Promise<number[]> => {
    const admin = new KafkaClient({ brokers: [address], clientId: 'vigil-test-cluster', connectionTimeoutMs: 1000, requestTimeoutMs: 3000, retries: 0, sasl: brokerSasl }).admin();
    try {
      await admin.connect();
      return await admin.brokers();
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };

  const waitNodes = async (ids: number[], what: string, waitMs: number): Promise<void> => {
    const deadline = Date.now() + waitMs;
    for (;;) {
      for (const id of ids) if (!children.has(id)) throw new Error(`Kafka node ${id} exited while ${what}:\n${tail(id)}`);
      const seen = await Promise.all(ids.map((id) => registered(node(id).address).catch(() => [] as number[])));
      const running = [...children.keys()];
      // Every asked node answers and sees every running node registered.
      if (seen.every((s) => running.every((r) => s.includes(r)))) return;
      if (Date.now() > deadline) throw new Error(`Kafka test cluster: ${what} not done after ${waitMs} ms\n${ids.map((id) => `--- node ${id}\n${tail(id, 15)}`).join('\n')}`);
      await sleep(200);
    }
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all([...children.keys()].map((id) => killNode(id, 'SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  };

  const killNode = async (nodeId: number, signal: NodeJS.Signals): Promise<void> => {
    const child = children.get(nodeId);
    if (!child) return;
    const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    child.kill(signal);
    // A SIGTERM'd broker shuts down in a few seconds; give it 30 s, then SIGKILL.
    const timer = setTimeout(() => child.kill('SIGKILL'), signal === 'SIGKILL' ? 5_000 : 30_000);
    await exited;
    clearTimeout(timer);
  };

  say(`starting ${n} node(s) on ${brokers.join(',')}`);
  try {
    for (const x of nodes) launch(x);
    await waitNodes(
      nodes.map((x) => x.nodeId),
      'starting',
      timeoutMs,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  say('ready');

  return {
    brokers,
    nodes,
    dir,
    tail,
    stop,
    async kill(nodeId, signal = 'SIGKILL') {
      node(nodeId);
      say(`kill -${signal} node ${nodeId} (pid ${node(nodeId).pid ?? '-'})`);
      await killNode(nodeId, signal);
    },
    async restart(nodeId) {
      const x = node(nodeId);
      if (children.has(nodeId)) await killNode(nodeId, 'SIGTERM');
      say(`restarting node ${nodeId}`);
      launch(x);
      await waitNodes([nodeId], `restarting node ${nodeId}`, timeoutMs);
      say(`node ${nodeId} is back`);
    },
    async waitReady(waitMs = timeoutMs) {
      await waitNodes([...children.keys()], 'waiting for every node', waitMs);
    },
    async waitInSync(topic, waitMs = timeoutMs) {
      const admin = new KafkaClient({ brokers, clientId: 'vigil-test-cluster', connectionTimeoutMs: 1000, retries: 1, sasl: brokerSasl }).admin();
      await admin.connect();
      try {
        const deadline = Date.now() + waitMs;
        for (;;) {
          const parts = await admin.partitions(topic).catch(() => []);
          if (parts.length > 0 && parts.every((p) => p.isr.length === p.replicas.length)) return;
          if (Date.now() > deadline) throw new Error(`partitions of ${topic} not all in sync after ${waitMs} ms: ${JSON.stringify(parts)}`);
          await sleep(250);
        }
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    async admin() {
      const admin = new KafkaClient({ brokers, clientId: 'vigil-test-cluster', sasl: brokerSasl }).admin();
      await admin.connect();
      return admin;
    },
  };
}
