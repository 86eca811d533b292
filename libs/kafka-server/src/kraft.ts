import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** One node of a KRaft cluster on loopback: combined broker + controller. */
export interface KraftNodeSpec {
  /** 1-based node id (also its controller voter id). */
  nodeId: number;
  /** Client (PLAINTEXT) port. */
  port: number;
  /** Controller (KRaft quorum) port. */
  controllerPort: number;
  /** Storage directory (`log.dirs`). */
  dataDir: string;
  /** Controller port of every node of the cluster, by node id order (the static voter set). */
  voterControllerPorts: number[];
  /** Extra or overriding broker properties (tests shorten timeouts, for example). */
  overrides?: Record<string, string | number | boolean>;
  /** Authenticated, authorised listeners (SASL/SCRAM for clients and brokers, ACLs); absent = PLAINTEXT, no authorizer. */
  auth?: KraftAuth;
}

/**
 * SASL for a node: clients and brokers authenticate with SCRAM-SHA-512 (users created at format time,
 * {@link formatArgs}); the controller listener uses PLAIN with one static user (KRaft cannot check
 * SCRAM there: the credentials live in the metadata log the controller serves). The
 * StandardAuthorizer denies whatever no ACL allows; `superUsers` (the broker's own user and the admin)
 * bypass ACLs.
 */
export interface KraftAuth {
  /** SCRAM user the brokers use between themselves (also a super user). */
  brokerUser: string;
  brokerPassword: string;
  /** PLAIN password of the controller listener's single user `controller`. */
  controllerPassword: string;
  /** Extra super users (e.g. the operator's admin), without the `User:` prefix. */
  superUsers: string[];
}

const jaasQuote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The properties that turn {@link KraftAuth} on (listeners, mechanisms, JAAS, authorizer). */
function authProperties(spec: KraftNodeSpec, a: KraftAuth): Record<string, string | boolean> {
  return {
    listeners: `SASL_PLAINTEXT://127.0.0.1:${spec.port},CONTROLLER://127.0.0.1:${spec.controllerPort}`,
    'advertised.listeners': `SASL_PLAINTEXT://127.0.0.1:${spec.port}`,
    'listener.security.protocol.map': 'SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
    'inter.broker.listener.name': 'SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
    'sasl.mechanism.controller.protocol': 'PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password=${jaasQuote(a.controllerPassword)} user_controller=${jaasQuote(a.controllerPassword)};`,
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username=${jaasQuote(a.brokerUser)} password=${jaasQuote(a.brokerPassword)};`,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': false,
    'super.users': ['controller', a.brokerUser, ...a.superUsers].map((u) => `User:${u}`).join(';'),
  };
}

/** Log4j2 configuration for a broker: console (the process log), chatty loggers at warn. */
export const KAFKA_LOG4J2_XML = `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders><Console name="out" target="SYSTEM_OUT"><PatternLayout pattern="[%d{ISO8601}] %p %m (%c)%n"/></Console></Appenders>
  <Loggers>
    <Root level="info"><AppenderRef ref="out"/></Root>
    <Logger name="kafka.request.logger" level="warn"/>
    <Logger name="state.change.logger" level="warn"/>
    <Logger name="org.apache.kafka.storage.internals.log" level="warn"/>
    <Logger name="kafka.log" level="warn"/>
  </Loggers>
</Configuration>
`;

/**
 * A new KRaft cluster id: 16 random bytes, base64url without padding. Like Kafka's own
 * `Uuid.randomUuid()`, an id that starts with '-' is drawn again: the storage tool's argument parser
 * reads such a value as an option (one id in 64 did, and failed `kafka-storage format -t`).
 */
export function newClusterId(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * server.properties of one node. With n nodes: replication factor min(3, n) for every internal
 * topic and the default, min.insync.replicas min(2, n) — so with three nodes an acknowledged
 * (acks=all) write survives the loss of any one — and no unclean leader election.
 */
export function kraftProperties(spec: KraftNodeSpec, header = 'KRaft combined broker+controller'): string {
  const n = spec.voterControllerPorts.length;
  const voters = spec.voterControllerPorts.map((p, i) => `${i + 1}@127.0.0.1:${p}`).join(',');
  const rf = Math.min(3, n);
  const isr = Math.min(2, n);
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': spec.nodeId,
    'controller.quorum.voters': voters,
    listeners: `PLAINTEXT://127.0.0.1:${spec.port},CONTROLLER://127.0.0.1:${spec.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${spec.port}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': spec.dataDir,
    // The project creates its topics itself with explicit partition counts.
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    'default.replication.factor': rf,
    'min.insync.replicas': isr,
    'offsets.topic.replication.factor': rf,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': isr,
    'share.coordinator.state.topic.replication.factor': rf,
    'share.coordinator.state.topic.min.isr': isr,
    'unclean.leader.election.enable': false,
    'group.initial.rebalance.delay.ms': 0,
    'log.retention.hours': 168,
    'message.max.bytes': 16777216,
    'replica.fetch.max.bytes': 16777216,
    ...(spec.auth ? authProperties(spec, spec.auth) : {}),
    ...spec.overrides,
  };
  return [`# ${header}, node ${spec.nodeId} of ${n}.`, ...Object.entries(props).map(([k, v]) => `${k}=${v}`), ''].join('\n');
}

/**
 * `java` arguments that format a node's storage for `clusterId` (kafka-storage.sh format); each of
 * `scramUsers` (name → password) is created as a SCRAM-SHA-512 user in the initial metadata.
 */
export function formatArgs(libDir: string, log4jFile: string, configFile: string, clusterId: string, scramUsers: Record<string, string> = {}): string[] {
  const scram = Object.entries(scramUsers).flatMap(([name, password]) => {
    if (!/^[A-Za-z0-9._-]+$/.test(name) || /[\],=]/.test(password)) throw new Error(`SCRAM user ${name}: name [A-Za-z0-9._-]+, password without , = ] characters`);
    return ['--add-scram', `SCRAM-SHA-512=[name=${name},password=${password}]`];
  });
  return ['-cp', `${libDir}/*`, `-Dlog4j2.configurationFile=${log4jFile}`, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, `--config=${configFile}`, ...scram];
}

/**
 * `java` arguments that run a node (kafka-server-start.sh). Defaults suit a long-running broker on a
 * small host (G1, 512 MiB–1 GiB heap); `jvm` replaces the GC/JIT flags (tests trade peak speed for
 * a quick, light start).
 */
export function serverArgs(
  libDir: string,
  opts: { log4jFile: string; configFile: string; logsDir: string; heap?: { min: string; max: string }; jvm?: string[] },
): string[] {
  const heap = opts.heap ?? { min: '512m', max: '1g' };
  return [
    `-Xms${heap.min}`,
    `-Xmx${heap.max}`,
    ...(opts.jvm ?? ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20']),
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${opts.log4jFile}`,
    `-Dkafka.logs.dir=${opts.logsDir}`,
    '-cp',
    `${libDir}/*`,
    'kafka.Kafka',
    opts.configFile,
  ];
}

/** Path of a node's meta.properties: present once its storage is formatted. */
export function metaPropertiesFile(dataDir: string): string {
  return join(dataDir, 'meta.properties');
}
