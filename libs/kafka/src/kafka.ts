// The only module in Vigil that imports kafkajs (it has had no release since 2024: keeping it behind
// this adapter lets us swap in the maintained KafkaJS-compatible client in one place).
import { randomUUID } from 'node:crypto';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, CompressionTypes, Kafka, Partitioners, ResourcePatternTypes, logLevel, type Admin, type Consumer, type KafkaMessage, type LogEntry, type Producer, type SASLOptions } from 'kafkajs';
import { KafkaError, kafkaCall, toKafkaError } from './kafka-error';
import { patchKafkaRequestQueue } from './request-queue-patch';

patchKafkaRequestQueue();

/** Minimal logger shape (pino satisfies it). */
export interface LoggerLike {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Connection settings of a {@link KafkaClient}. */
export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger?: LoggerLike;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Retries of metadata/connection requests (default 5); health probes use 0 to fail fast. */
  retries?: number;
  /** SASL credentials (SCRAM): absent = no authentication (the test harness's own clusters). */
  sasl?: KafkaSasl;
  /** TLS to the brokers: true = system CAs, or a PEM CA bundle. */
  tls?: boolean | { ca: string };
}

/** SASL/SCRAM credentials of one service's Kafka user. */
export interface KafkaSasl {
  mechanism: 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

/** An ACL to allow: `principal` (a user name) may do `operations` on a resource. */
export interface KafkaAcl {
  user: string;
  resource: { type: 'topic' | 'group' | 'cluster' | 'transactional-id'; name: string; prefixed?: boolean };
  operations: Array<'read' | 'write' | 'create' | 'delete' | 'describe' | 'alter' | 'describe-configs' | 'idempotent-write' | 'all'>;
}

function saslOptions(s: KafkaSasl): SASLOptions {
  return s.mechanism === 'scram-sha-256' ? { mechanism: 'scram-sha-256', username: s.username, password: s.password } : { mechanism: 'scram-sha-512', username: s.username, password: s.password };
}

const ACL_RESOURCE = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP, cluster: AclResourceTypes.CLUSTER, 'transactional-id': AclResourceTypes.TRANSACTIONAL_ID } as const;
const ACL_OPERATION = {
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  create: AclOperationTypes.CREATE,
  delete: AclOperationTypes.DELETE,
  describe: AclOperationTypes.DESCRIBE,
  alter: AclOperationTypes.ALTER,
  'describe-configs': AclOperationTypes.DESCRIBE_CONFIGS,
  'idempotent-write': AclOperationTypes.IDEMPOTENT_WRITE,
  all: AclOperationTypes.ALL,
} as const;

/** A message to produce: key (endpoint id) and an already-encoded value. */
export interface OutgoingMessage {
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

/** Where one produced message landed. */
export interface ProducedRecord {
  topic: string;
  partition: number;
  /** Base offset of the request's batch on that partition. */
  offset: string;
}

/** A consumed message, decoupled from kafkajs types. */
export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  headers: Record<string, string>;
}

function logCreator(logger: LoggerLike | undefined) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      if (!logger) return;
      const { message, ...extra } = log;
      const obj = { component: 'kafkajs', namespace, ...extra };
      if (level === logLevel.ERROR) logger.error(obj, message);
      else if (level === logLevel.WARN) logger.warn(obj, message);
      else if (level === logLevel.INFO) logger.info(obj, message);
      else logger.debug(obj, message);
    };
}

/** Entry point of the adapter: one per process. */
export class KafkaClient {
  private readonly kafka: Kafka;
  constructor(readonly options: KafkaClientOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      logLevel: logLevel.WARN,
      logCreator: logCreator(options.logger),
      // Retries of metadata/connection requests; the producer's own policy is set per producer.
      retry: { initialRetryTime: 200, retries: options.retries ?? 5, maxRetryTime: 5_000 },
      ...(options.sasl ? { sasl: saslOptions(options.sasl) } : {}),
      ...(options.tls ? { ssl: options.tls === true ? true : { ca: [options.tls.ca] } } : {}),
    });
  }

  /**
   * An idempotent producer with acks from all in-sync replicas. It retries without limit (as
   * exactly-once requires): callers bound how long they *wait*, not the send itself.
   */
  producer(options: ProducerOptions = {}): KafkaProducer {
    return new KafkaProducer(
      this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 5,
        // murmur2 on the key, as the Java client: one endpoint's batches stay in one partition, in order.
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
        retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5_000 },
      }),
      this.kafka.admin(),
      options,
    );
  }

  admin(): KafkaAdmin {
    return new KafkaAdmin(this.kafka.admin());
  }

  /**
   * Read the records of `topic` with offsets in [from, to) per partition (e.g. from
   * {@link KafkaAdmin.offsetsAt} or {@link KafkaAdmin.endOffsets}), each partition in order, then
   * stop. A throw-away group whose committed offsets are set to `from` before it joins (to the end
   * on partitions with nothing to read; `from` absent = the partition's first record) reads them,
   * commits nothing and is deleted afterwards, so the services' groups are never disturbed.
   * Resolves once every partition reached its end; `handle` errors reject (the read stops), and so
   * does a read not done within `timeoutMs` (default: no limit). The group is `<groupPrefix>-<uuid>`
   * (default prefix `<clientId>-range`), for ACLs that allow a prefix.
   */
  async readRange(
    topic: string,
    from: Map<number, string>,
    to: Map<number, string>,
    handle: (m: IncomingMessage) => void | Promise<void>,
    options: { timeoutMs?: number; groupPrefix?: string } = {},
  ): Promise<void> {
    const ends = new Map<number, bigint>();
    for (const [p, end] of to) if (BigInt(end) > BigInt(from.get(p) ?? '0')) ends.set(p, BigInt(end));
    if (ends.size === 0) return;
    const groupId = `${options.groupPrefix ?? `${this.options.clientId}-range`}-${randomUUID()}`;
    const admin = this.kafka.admin();
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    let timer: NodeJS.Timeout | undefined;
    try {
      await kafkaCall(async () => {
        await admin.connect();
        const start = [...to].map(([partition, end]) => ({ partition, offset: ends.has(partition) ? from.get(partition) : end }));
        // partitions without a start offset get none: the consumer begins at their first record
        await admin.setOffsets({ groupId, topic, partitions: start.flatMap((p) => (p.offset === undefined ? [] : [{ partition: p.partition, offset: p.offset }])) });
        await consumer.connect();
      });
      await new Promise<void>((resolve, reject) => {
        const fail = (err: unknown): void => reject(toKafkaError(err));
        if (options.timeoutMs !== undefined) {
          const ms = options.timeoutMs;
          timer = setTimeout(() => fail(new KafkaError('KAFKA_UNAVAILABLE', `reading ${topic}: partitions ${[...ends.keys()].join(', ')} not read to their end offsets within ${ms} ms`, { retriable: true })), ms);
        }
        consumer.on(consumer.events.CRASH, (e) => fail(e.payload.error));
        consumer
          .subscribe({ topic, fromBeginning: true })
          .then(() =>
            consumer.run({
              autoCommit: false,
              eachMessage: async ({ partition, message }) => {
                const end = ends.get(partition);
                if (end === undefined || BigInt(message.offset) >= end) return;
                try {
                  await handle(incoming(topic, partition, message));
                } catch (err) {
                  reject(err);
                  throw err;
                }
                if (BigInt(message.offset) + 1n >= end) {
                  ends.delete(partition);
                  if (ends.size === 0) resolve();
                }
              },
            }),
          )
          .catch(fail);
      });
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  }

  consumer(groupId: string): KafkaConsumer {
    return new KafkaConsumer(this.kafka.consumer({ groupId, allowAutoTopicCreation: false }));
  }

  /**
   * A group consumer whose offsets the caller manages (no auto-commit): batches per partition,
   * seek, pause/resume, explicit commits and assignment notifications (see {@link KafkaBatchConsumer}).
   */
  batchConsumer(groupId: string, options: BatchConsumerOptions = {}): KafkaBatchConsumer {
    return new KafkaBatchConsumer(
      this.kafka.consumer({
        groupId,
        allowAutoTopicCreation: false,
        sessionTimeout: options.sessionTimeoutMs ?? 30_000,
        heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
        maxBytesPerPartition: options.maxBytesPerPartition ?? 1 << 20,
        maxWaitTimeInMs: options.maxWaitTimeMs ?? 5_000,
        // The consumer restarts itself after any error escaping a handler (never silently stops).
        retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000, restartOnFailure: async () => true },
      }),
    );
  }
}

/** How long a topic's partition count is trusted before it is asked again. */
const PARTITION_COUNT_TTL_MS = 30_000;

/** Settings of a {@link KafkaProducer}. */
export interface ProducerOptions {
  /**
   * Largest record batch (sum of values) that messages waiting for one partition are merged into
   * (default 1 MiB; a single larger message is still sent, alone). Keep it below the broker's
   * `message.max.bytes`.
   */
  maxBatchBytes?: number;
}

/** Messages of one `send` call waiting for their partition's next request. */
interface PartitionWaiter {
  messages: OutgoingMessage[];
  bytes: number;
  resolve: (r: ProducedRecord[]) => void;
  reject: (e: unknown) => void;
}

/** One partition's state: whether a request is in flight, and who waits for the next one. */
interface PartitionLane {
  busy: boolean;
  waiting: PartitionWaiter[];
}

/**
 * Idempotent, acks=all producer.
 *
 * Every kafkajs `send` it makes carries records of ONE partition, and each partition has at most one
 * send in flight. Two kafkajs 2.2.4 behaviours lose acknowledged records when a broker dies
 * otherwise (found by the broker-kill integration test):
 * - a send spanning partitions led by brokers A and B, where B answered and A's connection broke,
 *   is retried only towards brokers that have not answered yet; once A's partitions move to B, the
 *   retry sends nothing for them and the send resolves as if they were written;
 * - after a "possibly persisted" failure (connection lost mid-request) kafkajs rewinds the
 *   partition's sequence number; a *different* concurrent send can then reuse it and the broker
 *   drops those records as duplicates of the first ones while acknowledging them.
 * With one partition per send and one send per partition at a time, a retry is always the same
 * records with the same sequence numbers, which the (new) leader deduplicates correctly.
 *
 * Messages that arrive for a partition while its request is in flight wait, and all of them (up to
 * `maxBatchBytes`, in arrival order) go in the partition's next request: one record batch, one
 * ack, one CRC, instead of a request each. Under load that is what keeps the broker's and the
 * client's cost per message low (measured with bench/ingest: the broker's CPU per batch fell
 * about 3×); when idle a message is sent at once, so no linger is added.
 */
export class KafkaProducer {
  private connected = false;
  /** Partitions with a request in flight or messages waiting, by `topic/partition`. */
  private readonly lanes = new Map<string, PartitionLane>();
  private readonly partitionCounts = new Map<string, { count: number; at: number }>();
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private adminConnected: Promise<void> | undefined;
  private readonly maxBatchBytes: number;

  constructor(
    private readonly producer: Producer,
    private readonly admin: Admin,
    options: ProducerOptions = {},
  ) {
    this.maxBatchBytes = options.maxBatchBytes ?? 1 << 20;
    producer.on(producer.events.CONNECT, () => (this.connected = true));
    producer.on(producer.events.DISCONNECT, () => (this.connected = false));
  }

  async connect(): Promise<void> {
    await kafkaCall(this.producer.connect());
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    await kafkaCall(this.producer.disconnect());
    this.connected = false;
    if (this.adminConnected) await this.admin.disconnect().catch(() => undefined);
    this.adminConnected = undefined;
  }

  /** Whether the producer believes it is connected (a hint for health, not a guarantee). */
  isConnected(): boolean {
    return this.connected;
  }

  /**
   * Produce and resolve once every in-sync replica acknowledged (acks = -1). Records are keyed to
   * partitions as the Java client does (murmur2 of the key), so one endpoint stays in one partition.
   * Resolves with one entry per partition the messages went to (the base offset of the request
   * that carried them, which may also carry other callers' messages).
   */
  async send(topic: string, messages: OutgoingMessage[]): Promise<ProducedRecord[]> {
    const count = await kafkaCall(this.partitionCount(topic));
    const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [], isr: [], partitionErrorCode: 0 }));
    const byPartition = new Map<number, OutgoingMessage[]>();
    for (const m of messages) {
      const partition = this.partitioner({ topic, partitionMetadata, message: { key: m.key, value: m.value } });
      const list = byPartition.get(partition);
      if (list) list.push(m);
      else byPartition.set(partition, [m]);
    }
    const results = await Promise.all([...byPartition].map(([partition, ms]) => this.sendToPartition(topic, partition, ms)));
    return results.flat();
  }

  private sendToPartition(topic: string, partition: number, messages: OutgoingMessage[]): Promise<ProducedRecord[]> {
    const id = `${topic}/${partition}`;
    let lane = this.lanes.get(id);
    if (!lane) {
      lane = { busy: false, waiting: [] };
      this.lanes.set(id, lane);
    }
    const bytes = messages.reduce((s, m) => s + m.value.length, 0);
    const result = new Promise<ProducedRecord[]>((resolve, reject) => lane.waiting.push({ messages, bytes, resolve, reject }));
    if (!lane.busy) this.drain(id, lane, topic, partition);
    return result;
  }

  /** Send what waits for the lane's partition as one request, then whatever arrived meanwhile; forget the lane once idle. */
  private drain(id: string, lane: PartitionLane, topic: string, partition: number): void {
    if (lane.waiting.length === 0) {
      lane.busy = false;
      // Forget idle lanes, so the map does not grow with every partition ever used.
      this.lanes.delete(id);
      return;
    }
    lane.busy = true;
    // Whole callers only (a caller's messages succeed or fail together), at least one.
    let n = 0;
    let bytes = 0;
    while (n < lane.waiting.length && (n === 0 || bytes + lane.waiting[n]!.bytes <= this.maxBatchBytes)) bytes += lane.waiting[n++]!.bytes;
    const batch = lane.waiting.splice(0, n);
    const records = batch.length === 1 ? batch[0]!.messages : batch.flatMap((w) => w.messages);
    this.producer
      .send({
        topic,
        acks: -1,
        compression: CompressionTypes.None,
        messages: records.map((m) => ({ key: m.key, value: m.value, headers: m.headers, partition })),
      })
      .then(
        (meta) => {
          const produced = meta.map((r) => ({ topic: r.topicName, partition: r.partition, offset: r.baseOffset ?? r.offset ?? '-1' }));
          for (const w of batch) w.resolve(produced);
        },
        (err: unknown) => {
          const e = toKafkaError(err);
          for (const w of batch) w.reject(e);
        },
      )
      .finally(() => this.drain(id, lane, topic, partition));
  }

  private async partitionCount(topic: string): Promise<number> {
    const cached = this.partitionCounts.get(topic);
    if (cached && Date.now() - cached.at < PARTITION_COUNT_TTL_MS) return cached.count;
    this.adminConnected ??= this.admin.connect().catch((err: unknown) => {
      this.adminConnected = undefined;
      throw err;
    });
    await this.adminConnected;
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const count = topics[0]?.partitions.length ?? 0;
    if (count === 0) throw new KafkaError('KAFKA_REJECTED', `topic ${topic} has no partitions (does it exist?)`, { retriable: false });
    this.partitionCounts.set(topic, { count, at: Date.now() });
    return count;
  }
}

/** Topic administration and offsets. Every failure of the client is a {@link KafkaError}. */
export class KafkaAdmin {
  constructor(private readonly admin: Admin) {}
  connect(): Promise<void> {
    return kafkaCall(this.admin.connect());
  }
  disconnect(): Promise<void> {
    return kafkaCall(this.admin.disconnect());
  }

  /**
   * Create `topic` (automatic creation is off on our brokers); true when it was created now.
   * `configs` are topic-level settings, e.g. `{ 'min.insync.replicas': '2' }`.
   */
  createTopic(topic: string, partitions: number, replicationFactor = 1, configs: Record<string, string> = {}): Promise<boolean> {
    return kafkaCall(
      this.admin.createTopics({
        waitForLeaders: true,
        timeout: 30_000,
        topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
      }),
    );
  }

  /** Leader, replicas and in-sync replicas of each partition of `topic` (broker ids). */
  async partitions(topic: string): Promise<{ partition: number; leader: number; replicas: number[]; isr: number[] }[]> {
    const { topics } = await kafkaCall(this.admin.fetchTopicMetadata({ topics: [topic] }));
    return (topics[0]?.partitions ?? []).map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }));
  }

  async deleteTopic(topic: string): Promise<void> {
    await kafkaCall(this.admin.deleteTopics({ topics: [topic] }));
  }

  async listTopics(): Promise<string[]> {
    return kafkaCall(this.admin.listTopics());
  }

  /** Sum over partitions of (high watermark − low watermark): records currently in `topic`. */
  async recordCount(topic: string): Promise<number> {
    const offsets = await kafkaCall(this.admin.fetchTopicOffsets(topic));
    return offsets.reduce((sum, p) => sum + (Number(p.high) - Number(p.low)), 0);
  }

  /** High watermark of each partition. */
  async endOffsets(topic: string): Promise<Map<number, string>> {
    return new Map((await kafkaCall(this.admin.fetchTopicOffsets(topic))).map((p) => [p.partition, p.high]));
  }

  /**
   * Per partition of `topic`, the first offset whose record timestamp is at or after `timestampMs`
   * (the high watermark when none is): where a time range of retained records starts or ends.
   */
  async offsetsAt(topic: string, timestampMs: number): Promise<Map<number, string>> {
    return new Map((await kafkaCall(this.admin.fetchTopicOffsetsByTimestamp(topic, timestampMs))).map((p) => [p.partition, p.offset]));
  }

  /** Committed offset of `groupId` per partition of `topic` (-1 when none). */
  async groupOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
    const res = await kafkaCall(this.admin.fetchOffsets({ groupId, topics: [topic] }));
    return new Map((res[0]?.partitions ?? []).map((p) => [p.partition, p.offset]));
  }

  /** Allow each ACL (StandardAuthorizer: anything not allowed is denied); host `*`, literal names unless `prefixed`. */
  async allow(acls: KafkaAcl[]): Promise<void> {
    const acl = acls.flatMap((a) =>
      a.operations.map((op) => ({
        resourceType: ACL_RESOURCE[a.resource.type],
        resourceName: a.resource.name,
        resourcePatternType: a.resource.prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
        principal: `User:${a.user}`,
        host: '*',
        operation: ACL_OPERATION[op],
        permissionType: AclPermissionTypes.ALLOW,
      })),
    );
    // Read first: ACLs that exist are not written again (each creation is a metadata-log record).
    const existing = await kafkaCall(
      this.admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ALLOW,
      }),
    );
    const key = (e: { resourceType: number; resourceName: string; resourcePatternType: number; principal: string; host: string; operation: number }): string =>
      [e.resourceType, e.resourceName, e.resourcePatternType, e.principal, e.host, e.operation].join('\u0000');
    const have = new Set(existing.resources.flatMap((r) => r.acls.map((a) => key({ ...r, ...a }))));
    const missing = acl.filter((e) => !have.has(key(e)));
    if (missing.length > 0) await kafkaCall(this.admin.createAcls({ acl: missing }));
  }

  /** Members of consumer group `groupId` right now (0 when it has none or does not exist). */
  async groupMembers(groupId: string): Promise<number> {
    const { groups } = await kafkaCall(this.admin.describeGroups([groupId]));
    return groups[0]?.members.length ?? 0;
  }

  /** Broker ids in the cluster and its active controller (null while none is elected). */
  async cluster(): Promise<{ controller: number | null; brokers: number[] }> {
    const { controller, brokers } = await kafkaCall(this.admin.describeCluster());
    return { controller, brokers: brokers.map((b) => b.nodeId) };
  }

  /** Broker ids in the cluster (a cheap liveness probe). */
  async brokers(): Promise<number[]> {
    return (await this.cluster()).brokers;
  }
}

/** Consumer of a group; handlers throw to stop without committing. */
export class KafkaConsumer {
  constructor(private readonly consumer: Consumer) {}

  async connect(): Promise<void> {
    await kafkaCall(this.consumer.connect());
  }

  async disconnect(): Promise<void> {
    await kafkaCall(this.consumer.disconnect());
  }

  /** Subscribe and run `handle` per message (offsets committed after it resolves). */
  async run(topics: string[], handle: (m: IncomingMessage) => Promise<void>, options: { fromBeginning?: boolean } = {}): Promise<void> {
    for (const topic of topics) await kafkaCall(this.consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? false }));
    await kafkaCall(
      this.consumer.run({
        eachMessage: async ({ topic, partition, message }) => handle(incoming(topic, partition, message)),
      }),
    );
  }
}

/** Settings of a {@link KafkaBatchConsumer}. */
export interface BatchConsumerOptions {
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  maxBytesPerPartition?: number;
  /**
   * Longest wait of a fetch for new records (default 5 s). kafkajs heartbeats only between
   * fetches, so an idle member learns of a rebalance (and takes over a dead member's partitions)
   * at most this long after the group started one.
   */
  maxWaitTimeMs?: number;
}

/** One fetched batch of one partition, decoupled from kafkajs types. */
export interface IncomingBatch {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: IncomingMessage[];
}

/** What a batch handler may do while it runs. */
export interface BatchControl {
  /** Keep the group membership alive during long work (throws when a rebalance is in progress). */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the batch's partition was taken away. */
  isActive(): boolean;
  /**
   * Mark `offset` of this batch done: the next fetch starts after it. Nothing is committed; a batch
   * whose offsets are never resolved is fetched again from its first unresolved record.
   */
  resolve(offset: string): void;
}

/** Handler of one batch; it must not resolve before its work is durable (it owns its offsets). */
export type BatchHandler = (batch: IncomingBatch, control: BatchControl) => Promise<void>;

function incoming(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
  return { topic, partition, offset: message.offset, key: message.key, value: message.value, timestamp: message.timestamp, headers };
}

/**
 * A consumer-group member for services that keep their offsets elsewhere (e.g. in the same
 * database transaction as their output): nothing is committed automatically; the handler decides
 * where to resume with {@link seek} and commits Kafka offsets itself once its work is durable.
 */
export class KafkaBatchConsumer {
  private connected = false;
  private assignment: number[] = [];
  constructor(private readonly consumer: Consumer) {
    consumer.on(consumer.events.CONNECT, () => (this.connected = true));
    consumer.on(consumer.events.DISCONNECT, () => (this.connected = false));
    consumer.on(consumer.events.CRASH, () => (this.connected = false));
  }

  async connect(): Promise<void> {
    await kafkaCall(this.consumer.connect());
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    await kafkaCall(this.consumer.disconnect());
    this.connected = false;
  }

  /** Whether the consumer believes it is connected (a hint for health). */
  isConnected(): boolean {
    return this.connected;
  }

  /** Partitions assigned to this member at the last rebalance (of the one subscribed topic). */
  assigned(): number[] {
    return [...this.assignment];
  }

  /** Called after every rebalance with this member's new partitions of `topic` (all earlier ones are revoked). */
  onAssignment(topic: string, listener: (partitions: number[], generation: { memberId: string }) => void): void {
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.assignment = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
      listener(this.assignment, { memberId: e.payload.memberId });
    });
  }

  /** Called when the member leaves the group for a rebalance (every partition is about to be revoked). */
  onRebalancing(listener: () => void): void {
    this.consumer.on(this.consumer.events.REBALANCING, () => listener());
  }

  /** Called when the consumer crashed (it restarts itself); for health reporting. */
  onCrash(listener: (err: Error) => void): void {
    this.consumer.on(this.consumer.events.CRASH, (e) => listener(toKafkaError(e.payload.error)));
  }

  /** Subscribe to `topic` and run `handle` per fetched batch, `concurrency` partitions at a time. */
  async run(topic: string, handle: BatchHandler, options: { fromBeginning?: boolean; concurrency?: number } = {}): Promise<void> {
    await kafkaCall(this.consumer.subscribe({ topics: [topic], fromBeginning: options.fromBeginning ?? true }));
    const running = this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.concurrency ?? 1,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        if (batch.isEmpty()) return;
        await handle(
          { topic: batch.topic, partition: batch.partition, highWatermark: batch.highWatermark, messages: batch.messages.map((m) => incoming(batch.topic, batch.partition, m)) },
          { heartbeat: () => kafkaCall(heartbeat), isActive: () => isRunning() && !isStale(), resolve: resolveOffset },
        );
      },
    });
    await kafkaCall(running);
  }

  /** Resume `partition` at `offset` on the next fetch (records of the current batch past it are not delivered). */
  seek(topic: string, partition: number, offset: string): void {
    this.consumer.seek({ topic, partition, offset });
  }

  /** Commit `offset` (the next one to read) of each partition to the group. */
  async commit(topic: string, offsets: { partition: number; offset: string }[]): Promise<void> {
    if (offsets.length === 0) return;
    await kafkaCall(this.consumer.commitOffsets(offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset }))));
  }

  pause(topic: string, partitions: number[]): void {
    this.consumer.pause([{ topic, partitions }]);
  }

  resume(topic: string, partitions: number[]): void {
    this.consumer.resume([{ topic, partitions }]);
  }
}
