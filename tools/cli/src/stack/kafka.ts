import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  KAFKA_LOG4J2_XML,
  ensureKafkaClasspath,
  formatArgs,
  kafkaLibDir,
  kraftProperties,
  metaPropertiesFile,
  newClusterId,
  serverArgs,
  type KraftAuth,
} from '@vigil/kafka-server';
import { KafkaClient, type KafkaAdmin, type KafkaSasl } from '@vigil/kafka';
import { errorMessage, retry, TOPIC_PARTITIONS } from '@vigil/common';
import { CACHE_DIR, componentDir, STACK_DIR } from '../paths';
import type { ComponentStatus, Progress, StackComponent } from './component';
import { runningPid, startDetached, stopProcess, tailLog, waitFor } from './processes';
import { cliConfig } from '../config/cli.config';
import { serviceAcls } from './kafka-acls';
import { KAFKA_USERS, stackCredentials, writePrivateFile, type KafkaUser } from './secrets';

/** Apache Kafka release used by the local stack (official artifacts from Maven Central). */
export const KAFKA_VERSION = cliConfig().kafkaVersion;
const LIB_DIR = kafkaLibDir(CACHE_DIR, KAFKA_VERSION);

/** The local cluster's identity and size, fixed when its storage is first formatted. */
export interface KafkaClusterConfig {
  clusterId: string;
  brokers: number;
  /**
   * SASL/SCRAM-SHA-512 on every listener and ACLs (the StandardAuthorizer), with these users in the
   * cluster's metadata. Absent: a cluster formatted PLAINTEXT by an older `./vigil`, which
   * {@link migrateToSasl} moves over, keeping its data.
   */
  sasl?: { users: string[] };
}

/** The SCRAM user the brokers use between themselves (a super user, like `admin`). */
export const KAFKA_BROKER_USER = 'vigil-broker';

const CLUSTER_FILE = join(STACK_DIR, 'kafka-cluster.json');

export function readClusterConfig(): KafkaClusterConfig | undefined {
  if (existsSync(CLUSTER_FILE)) return JSON.parse(readFileSync(CLUSTER_FILE, 'utf8')) as KafkaClusterConfig;
  // A single node formatted before the cluster file existed: its meta.properties says which cluster.
  const meta = metaPropertiesFile(join(componentDir('kafka'), 'data'));
  const id = existsSync(meta) ? /^cluster\.id=(.+)$/m.exec(readFileSync(meta, 'utf8'))?.[1] : undefined;
  return id ? { clusterId: id.trim(), brokers: 1 } : undefined;
}

/**
 * The cluster to run: as formatted before, or a new one of `requested` brokers (default 1). Asking for a
 * different size than the formatted one is refused — KRaft's voter set is fixed at format time.
 */
export function clusterConfig(requested?: number): KafkaClusterConfig {
  const existing = readClusterConfig();
  if (existing) {
    if (requested !== undefined && requested !== existing.brokers)
      throw new Error(
        `the local Kafka was formatted with ${existing.brokers} broker(s); to run ${requested}, wipe it first with ./vigil stack reset`,
      );
    return existing;
  }
  return { clusterId: newClusterId(), brokers: requested ?? 1, sasl: { users: [...KAFKA_USERS] } };
}

/** SCRAM credentials of a local Kafka user (the mechanism every listener offers). */
export function kafkaSasl(user: KafkaUser): KafkaSasl {
  return { mechanism: 'scram-sha-512', username: user, password: stackCredentials().kafka.users[user] };
}

/** The broker side of SASL: listeners, the broker's and controller's own credentials, `admin` as super user. */
function kraftAuth(): KraftAuth {
  const { kafka } = stackCredentials();
  return { brokerUser: KAFKA_BROKER_USER, brokerPassword: kafka.brokerPassword, controllerPassword: kafka.controllerPassword, superUsers: ['admin'] };
}

function saveClusterConfig(config: KafkaClusterConfig): void {
  mkdirSync(STACK_DIR, { recursive: true });
  writeFileSync(CLUSTER_FILE, JSON.stringify(config, null, 2));
}


/** Client and controller ports of node `id` (1-based): 9092/9093, 9094/9095, 9096/9097, … */
export function nodePorts(id: number): { port: number; controllerPort: number } {
  const { kafkaPort, kafkaControllerPort } = cliConfig();
  return { port: kafkaPort + 2 * (id - 1), controllerPort: kafkaControllerPort + 2 * (id - 1) };
}

/**
 * One Apache Kafka 4.x node in KRaft mode (combined broker + controller) on loopback. Node 1 is `kafka`;
 * a three-broker cluster (`./vigil stack up --brokers 3`) adds `kafka-2` and `kafka-3`.
 */
export class KafkaNode implements StackComponent {
  readonly name: string;
  readonly ports: number[];
  readonly port: number;
  readonly controllerPort: number;
  private readonly dir: string;

  constructor(
    readonly nodeId: number,
    private readonly cluster: KafkaClusterConfig,
  ) {
    this.name = nodeId === 1 ? 'kafka' : `kafka-${nodeId}`;
    ({ port: this.port, controllerPort: this.controllerPort } = nodePorts(nodeId));
    this.ports = [this.port, this.controllerPort];
    this.dir = componentDir(this.name);
  }

  /** Every node's client address: what clients bootstrap from. */
  get bootstrap(): string {
    return Array.from({ length: this.cluster.brokers }, (_, i) => `127.0.0.1:${nodePorts(i + 1).port}`).join(',');
  }

  async install(progress: Progress): Promise<void> {
    await ensureKafkaClasspath(CACHE_DIR, progress, KAFKA_VERSION);
  }

  private writeConfig(): string {
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    writeFileSync(join(this.dir, 'log4j2.xml'), KAFKA_LOG4J2_XML);
    const voterControllerPorts = Array.from({ length: this.cluster.brokers }, (_, i) => nodePorts(i + 1).controllerPort);
    const props = kraftProperties(
      {
        nodeId: this.nodeId,
        port: this.port,
        controllerPort: this.controllerPort,
        dataDir: join(this.dir, 'data'),
        voterControllerPorts,
        ...(this.cluster.sasl ? { auth: kraftAuth() } : {}),
      },
      'Generated by ./vigil stack up — KRaft combined broker+controller',
    );
    // Holds the broker's and controller's passwords (JAAS): owner-only.
    const file = join(this.dir, 'server.properties');
    writePrivateFile(file, props);
    return file;
  }

  isRunning(): boolean {
    return runningPid(this.name) !== undefined;
  }

  async start(progress: Progress): Promise<void> {
    if (!this.isRunning()) {
      const config = this.writeConfig();
      const log4j = join(this.dir, 'log4j2.xml');
      if (!existsSync(metaPropertiesFile(join(this.dir, 'data')))) {
        progress('formatting KRaft storage');
        saveClusterConfig(this.cluster);
        const users = this.cluster.sasl ? { [KAFKA_BROKER_USER]: stackCredentials().kafka.brokerPassword, ...stackCredentials().kafka.users } : {};
        execFileSync('java', formatArgs(LIB_DIR, log4j, config, this.cluster.clusterId, users), { stdio: ['ignore', 'pipe', 'pipe'] });
      }
      progress(`starting Kafka ${KAFKA_VERSION} (KRaft) node ${this.nodeId} on 127.0.0.1:${this.port}`);
      startDetached({
        name: this.name,
        command: 'java',
        args: serverArgs(LIB_DIR, { log4jFile: log4j, configFile: config, logsDir: join(this.dir, 'logs') }),
      });
    }
    await waitFor(this.name, () => this.ping(), {
      timeoutMs: 120_000,
      intervalMs: 500,
      alive: () => this.isRunning(),
      onTick: (ms) => ms > 5000 && ms % 5000 < 500 && progress(`waiting for Kafka node ${this.nodeId} (${Math.round(ms / 1000)} s)`),
    });
  }

  /** An admin client that fails fast (no retries): the callers poll or retry themselves. */
  private admin(bootstrap: string): KafkaAdmin {
    // Credentials are read (and generated) only for a SASL cluster: a status check writes nothing.
    const sasl = this.cluster.sasl ? kafkaSasl('admin') : undefined;
    return new KafkaClient({ clientId: 'vigil-cli', brokers: bootstrap.split(','), retries: 0, connectionTimeoutMs: 2000, sasl }).admin();
  }

  /** Healthy = this node answers, a controller is elected, and every broker of the cluster is registered. */
  private async ping(): Promise<boolean> {
    const admin = this.admin(`127.0.0.1:${this.port}`);
    try {
      await admin.connect();
      const cluster = await admin.cluster();
      return cluster.controller !== null && cluster.brokers.length >= this.cluster.brokers && cluster.brokers.includes(this.nodeId);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Node 1 creates the project's topics with explicit partition counts (auto-creation is off) and the services' ACLs. */
  async provision(progress: Progress): Promise<void> {
    if (this.nodeId !== 1) return;
    await this.provisionTopics(progress);
    if (this.cluster.sasl) {
      addMissingUsers(this.cluster, this.bootstrap);
      // Creating an ACL that exists is a no-op: the list is applied as it is on every start.
      const admin = new KafkaClient({ brokers: this.bootstrap.split(','), clientId: 'vigil-cli', sasl: kafkaSasl('admin'), retries: 2 }).admin();
      await admin.connect();
      try {
        await admin.allow(serviceAcls());
      } finally {
        await admin.disconnect();
      }
    }
  }

  private async provisionTopics(progress: Progress): Promise<void> {
    const admin = this.admin(this.bootstrap);
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = Object.entries(TOPIC_PARTITIONS).filter(([t]) => !existing.has(t));
      if (missing.length === 0) return;
      progress(`creating topics ${missing.map(([t]) => t).join(', ')}`);
      for (const [topic, partitions] of missing) {
        // Leader election for 21 partitions × RF 3 can exceed the client's 5 s default on a loaded host;
        // a topic created by an attempt that timed out is simply reported as existing by the next one.
        await retry(() => admin.createTopic(topic, partitions, Math.min(3, this.cluster.brokers)), {
          retries: 3,
          initialDelayMs: 1000,
          onRetry: (err) => progress(`retrying creation of ${topic}: ${errorMessage(err)}`),
        });
      }
    } finally {
      await admin.disconnect();
    }
  }

  async status(): Promise<ComponentStatus> {
    const pid = runningPid(this.name);
    const size = this.cluster.brokers > 1 ? `, node ${this.nodeId} of ${this.cluster.brokers}` : '';
    const auth = this.cluster.sasl ? ', SASL/SCRAM + ACLs' : ', PLAINTEXT';
    const base = { name: this.name, version: `Apache Kafka ${KAFKA_VERSION} (KRaft${size}${auth})`, url: `kafka://127.0.0.1:${this.port}`, pid };
    if (pid === undefined) return { ...base, state: 'stopped' };
    const ok = await this.ping().catch(() => false);
    return { ...base, state: ok ? 'healthy' : 'unhealthy', detail: ok ? undefined : tailLog(this.name, 5) };
  }

  async stop(): Promise<void> {
    // A controlled shutdown takes a few seconds; SIGKILL only after 30 s.
    await stopProcess(this.name, 30_000);
  }
}

/**
 * Create (or set the password of) SCRAM users in a running cluster with Kafka's own ConfigCommand
 * (kafkajs has no AlterUserScramCredentials). The password goes through a 0600 file
 * (`--add-config-file`), not the command line; `asAdmin` authenticates as `admin` (a SASL cluster),
 * otherwise the PLAINTEXT listener is used (the migration).
 */
export function addScramUsers(bootstrap: string, users: Record<string, string>, asAdmin: boolean): void {
  const dir = join(STACK_DIR, 'kafka-admin-tmp');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    const log4j = join(dir, 'log4j2.xml');
    writeFileSync(log4j, KAFKA_LOG4J2_XML.replace('<Root level="info">', '<Root level="warn">'));
    const commandConfig = join(dir, 'admin.properties');
    if (asAdmin) {
      const pw = stackCredentials().kafka.users.admin;
      writePrivateFile(
        commandConfig,
        `security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${pw}";\n`,
      );
    }
    for (const [name, password] of Object.entries(users)) {
      const file = join(dir, `${name}.properties`);
      // The file form takes `password=…` without the brackets of --add-config.
      writePrivateFile(file, `SCRAM-SHA-512=password=${password}\n`);
      execFileSync(
        'java',
        [
          '-cp',
          `${LIB_DIR}/*`,
          `-Dlog4j2.configurationFile=${log4j}`,
          'kafka.admin.ConfigCommand',
          '--bootstrap-server',
          bootstrap,
          ...(asAdmin ? ['--command-config', commandConfig] : []),
          '--alter',
          '--entity-type',
          'users',
          '--entity-name',
          name,
          '--add-config-file',
          file,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Move a cluster formatted PLAINTEXT (before SASL) to SASL/SCRAM with ACLs, keeping its data: with the
 * nodes running PLAINTEXT (started if needed), create the brokers' and every service's SCRAM user,
 * stop the nodes, and record the cluster as SASL. The next start writes SASL listeners and the
 * authorizer over the same log directories (topics, offsets and the registry's journal stay).
 * `beforeStop` stops the Kafka clients that have no credentials yet (registry, services).
 */
export async function migrateToSasl(nodes: KafkaNode[], progress: Progress, beforeStop: () => Promise<void>): Promise<boolean> {
  const cluster = readClusterConfig();
  if (!cluster || cluster.sasl) return false;
  progress('moving the local Kafka to SASL/SCRAM with per-service ACLs (data kept)');
  for (const n of nodes) await n.start(progress);
  const { kafka } = stackCredentials();
  addScramUsers(nodes[0]!.bootstrap, { [KAFKA_BROKER_USER]: kafka.brokerPassword, ...kafka.users }, false);
  await beforeStop();
  for (const n of nodes) await n.stop();
  saveClusterConfig({ ...cluster, sasl: { users: [...KAFKA_USERS] } });
  return true;
}

/** Users of {@link KAFKA_USERS} a SASL cluster does not have yet (added by a later version): created as admin. */
export function addMissingUsers(cluster: KafkaClusterConfig, bootstrap: string): void {
  if (!cluster.sasl) return;
  const missing = KAFKA_USERS.filter((u) => !cluster.sasl!.users.includes(u));
  if (missing.length === 0) return;
  const { kafka } = stackCredentials();
  addScramUsers(bootstrap, Object.fromEntries(missing.map((u) => [u, kafka.users[u]])), true);
  saveClusterConfig({ ...cluster, sasl: { users: [...cluster.sasl.users, ...missing] } });
}
