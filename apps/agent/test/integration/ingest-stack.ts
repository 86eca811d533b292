import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { setAgentConfigValue } from '@vigil/common';
import { KafkaClient, type IncomingMessage, type KafkaAdmin } from '@vigil/kafka';
import { avroType, createRegistryClient, subjectForTopic } from '@vigil/schemas';
import { childEnv, freshDatabase, stackServiceEnv, stackUrls, uniqueName, waitUntil } from '@vigil/testing';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
/** The built gateway and CLI: tests run them as separate processes, like an operator would. */
export const GATEWAY_MAIN = resolve(ROOT, 'apps', 'ingest-gateway', 'dist', 'main.js');
export const CLI_MAIN = resolve(ROOT, 'tools', 'cli', 'dist', 'main.js');
/** The Caddyfile shipped for deployments (tests run this very file). */
export const CADDYFILE = resolve(ROOT, 'deploy', 'compose', 'Caddyfile');

/** A gateway process (apps/ingest-gateway/dist/main.js) on a loopback port. */
export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  port: number;
  log: () => string;
  stop: () => Promise<void>;
}

/** Start the built gateway against `databaseUrl` and `topic`; port 0 = any free port. */
export async function startGatewayProcess(opts: { databaseUrl: string; topic: string; port?: number; env?: Record<string, string> }): Promise<GatewayProcess> {
  const urls = stackUrls();
  const child = spawn(process.execPath, [GATEWAY_MAIN], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv({
      VIGIL_GATEWAY_HOST: '127.0.0.1',
      VIGIL_GATEWAY_PORT: String(opts.port ?? 0),
      ...stackServiceEnv(urls),
      VIGIL_DATABASE_URL: opts.databaseUrl,
      VIGIL_GATEWAY_TOPIC: opts.topic,
      VIGIL_LOG_LEVEL: 'info',
      ...opts.env,
    }),
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const address = await waitUntil(
    () => {
      if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}):\n${out}`);
      const line = out.split('\n').find((l) => l.includes('"msg":"listening"'));
      return line ? (JSON.parse(line) as { address: string }).address : undefined;
    },
    60_000,
    'the gateway to listen',
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    child,
    url: address,
    port: Number(new URL(address).port),
    log: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Enrol an endpoint with `./vigil endpoint add` against a given database; returns its JSON. */
export async function enrolWithCli(databaseUrl: string, name: string, api: string): Promise<{ id: string; key: string; config: string }> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI_MAIN, 'endpoint', 'add', '--name', name, '--api', api], {
    env: childEnv({ VIGIL_DATABASE_URL: databaseUrl }),
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { id: string; key: string; config: string };
}

/** Replace (or add) `key=value` lines of an agent config text. */
export function withConfig(text: string, values: Record<string, string>): string {
  return Object.entries(values).reduce((out, [k, v]) => setAgentConfigValue(out, k, v), text);
}

/** A fresh database and topic, and what tests need to read the topic back. */
export interface IngestFixture {
  databaseUrl: string;
  topic: string;
  kafka: KafkaClient;
  admin: KafkaAdmin;
  /** Every record in the topic so far (waits until at least `min`). */
  records(min: number, timeoutMs?: number): Promise<IncomingMessage[]>;
  /** The record value decoded with the schema the registry returns for its id (under the topic's subject). */
  decode(value: Buffer): Promise<Record<string, unknown> & { sequence: number; endpointId: string }>;
  close(): Promise<void>;
}

export async function ingestFixture(prefix: string, partitions = 3): Promise<IngestFixture> {
  const urls = stackUrls();
  const db = await freshDatabase(`vigil_${prefix}`);
  const topic = uniqueName(`vigil.test.${prefix}`);
  const kafka = new KafkaClient({ brokers: urls.kafkaBrokers, clientId: `agent-${prefix}-test`, sasl: urls.kafkaSasl });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopic(topic, partitions);
  const registry = createRegistryClient(urls.schemaRegistryUrl, { auth: urls.registryAuth });
  const types = new Map<number, ReturnType<typeof avroType>>();
  return {
    databaseUrl: db.url,
    topic,
    kafka,
    admin,
    async records(min, timeoutMs = 60_000) {
      const seen: IncomingMessage[] = [];
      const consumer = kafka.consumer(uniqueName(`vigil-${prefix}-read`));
      await consumer.connect();
      try {
        await consumer.run([topic], async (m) => void seen.push(m), { fromBeginning: true });
        await waitUntil(() => seen.length >= min, timeoutMs, `${min} records in ${topic} (have ${seen.length})`);
        // Everything the topic holds, not just the first `min`: wait for the end offsets.
        const total = await admin.recordCount(topic);
        await waitUntil(() => seen.length >= total, timeoutMs, `all ${total} records of ${topic}`);
      } finally {
        await consumer.disconnect();
      }
      return seen;
    },
    async decode(value) {
      if (value[0] !== 0) throw new Error(`magic byte ${value[0]}, expected 0`);
      const id = value.readUInt32BE(1);
      let type = types.get(id);
      if (!type) {
        const info = await registry.getBySubjectAndId(subjectForTopic(topic), id);
        type = avroType(info.schema);
        types.set(id, type);
      }
      return type.fromBuffer(value.subarray(5)) as Record<string, unknown> & { sequence: number; endpointId: string };
    },
    async close() {
      await admin.deleteTopic(topic).catch(() => undefined);
      await registry.deleteSubject(subjectForTopic(topic), false).catch(() => undefined);
      await registry.deleteSubject(subjectForTopic(topic), true).catch(() => undefined);
      registry.close();
      await admin.disconnect();
      await db.drop();
    },
  };
}
