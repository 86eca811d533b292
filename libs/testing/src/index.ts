import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { sleep } from '@vigil/common';
import { createDatabase, dropDatabase } from '@vigil/db';
import type { KafkaSasl } from '@vigil/kafka';

/** Addresses of the real local stack that integration tests talk to, and its credentials. */
export interface StackUrls {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  databaseUrl: string;
  /** SCRAM login for the stack's Kafka (its `admin` user, a super user) when it runs SASL; undefined on a PLAINTEXT stack. */
  kafkaSasl?: KafkaSasl;
  /** HTTP basic auth for the registry (its `admin` user) when it asks for credentials. */
  registryAuth?: { username: string; password: string };
}

/**
 * The stack's credentials: VIGIL_KAFKA_USERNAME/PASSWORD and VIGIL_SCHEMA_REGISTRY_USERNAME/PASSWORD
 * when set, else the `admin` users of the local stack under $VIGIL_HOME (default the checkout's
 * .vigil) when its Kafka was formatted, or moved, with SASL (`stack/kafka-cluster.json`); the
 * passwords are in its 0600 `stack/credentials.json`. None for a PLAINTEXT stack.
 */
export function stackCredentials(env: NodeJS.ProcessEnv = process.env): Pick<StackUrls, 'kafkaSasl' | 'registryAuth'> {
  const out: Pick<StackUrls, 'kafkaSasl' | 'registryAuth'> = {};
  if (env.VIGIL_KAFKA_USERNAME && env.VIGIL_KAFKA_PASSWORD) out.kafkaSasl = { mechanism: 'scram-sha-512', username: env.VIGIL_KAFKA_USERNAME, password: env.VIGIL_KAFKA_PASSWORD };
  if (env.VIGIL_SCHEMA_REGISTRY_USERNAME && env.VIGIL_SCHEMA_REGISTRY_PASSWORD) out.registryAuth = { username: env.VIGIL_SCHEMA_REGISTRY_USERNAME, password: env.VIGIL_SCHEMA_REGISTRY_PASSWORD };
  const stackDir = join(env.VIGIL_HOME ? resolve(env.VIGIL_HOME) : resolve(__dirname, '..', '..', '..', '.vigil'), 'stack');
  const clusterFile = join(stackDir, 'kafka-cluster.json');
  const secretsFile = join(stackDir, 'credentials.json');
  if (!existsSync(clusterFile) || !existsSync(secretsFile)) return out;
  if (!(JSON.parse(readFileSync(clusterFile, 'utf8')) as { sasl?: unknown }).sasl) return out;
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as { kafka?: { users?: { admin?: string } }; registryPasswords?: { admin?: string } };
  const kafkaAdmin = secrets.kafka?.users?.admin;
  const registryAdmin = secrets.registryPasswords?.admin;
  if (kafkaAdmin) out.kafkaSasl ??= { mechanism: 'scram-sha-512', username: 'admin', password: kafkaAdmin };
  if (registryAdmin) out.registryAuth ??= { username: 'admin', password: registryAdmin };
  return out;
}

/**
 * Environment for a Vigil service a test starts against the local stack: its addresses and, on a
 * secured stack, the `admin` credentials (tests use their own topics and groups, which no
 * service user's ACLs cover).
 */
export function stackServiceEnv(urls: StackUrls = stackUrls()): Record<string, string> {
  return {
    VIGIL_KAFKA_BROKERS: urls.kafkaBrokers.join(','),
    VIGIL_SCHEMA_REGISTRY_URL: urls.schemaRegistryUrl,
    ...(urls.kafkaSasl ? { VIGIL_KAFKA_USERNAME: urls.kafkaSasl.username, VIGIL_KAFKA_PASSWORD: urls.kafkaSasl.password, VIGIL_KAFKA_SASL_MECHANISM: urls.kafkaSasl.mechanism } : {}),
    ...(urls.registryAuth ? { VIGIL_SCHEMA_REGISTRY_USERNAME: urls.registryAuth.username, VIGIL_SCHEMA_REGISTRY_PASSWORD: urls.registryAuth.password } : {}),
  };
}

let cached: StackUrls | undefined;

/**
 * The stack's addresses: from VIGIL_* variables (set by `./vigil test`), else asked of
 * `./vigil stack status --json`. Throws with the fix when the stack is not running.
 */
export function stackUrls(): StackUrls {
  if (cached) return cached;
  const env = process.env;
  if (env.VIGIL_KAFKA_BROKERS && env.VIGIL_SCHEMA_REGISTRY_URL && env.VIGIL_DATABASE_URL) {
    cached = { kafkaBrokers: env.VIGIL_KAFKA_BROKERS.split(','), schemaRegistryUrl: env.VIGIL_SCHEMA_REGISTRY_URL, databaseUrl: env.VIGIL_DATABASE_URL, ...stackCredentials(env) };
    return cached;
  }
  const root = resolve(__dirname, '..', '..', '..');
  let out: string;
  try {
    out = execFileSync('node', [resolve(root, 'tools/cli/dist/main.js'), 'stack', 'status', '--json'], { encoding: 'utf8' });
  } catch (err) {
    out = (err as { stdout?: string }).stdout ?? '';
  }
  const rows = (JSON.parse(out || '{"components":[]}') as { components: { name: string; url: string; state: string }[] }).components;
  const get = (name: string): string => {
    const row = rows.find((r) => r.name === name);
    if (!row || row.state !== 'healthy') throw new Error(`the local stack's ${name} is not running: start it with ./vigil stack up`);
    return row.url;
  };
  cached = { kafkaBrokers: [get('kafka').replace(/^kafka:\/\//, '')], schemaRegistryUrl: get('registry'), databaseUrl: get('postgres'), ...stackCredentials(env) };
  return cached;
}

/** A short random suffix for topic, group, subject and database names (tests never share them). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Run `fn` with a client of the stack's owner role on `url`, closed afterwards. */
async function withClient(url: string, fn: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the real PostgreSQL; `drop()` removes it. */
export async function freshDatabase(prefix = 'vigil_test'): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const base = new URL(stackUrls().databaseUrl);
  const name = uniqueName(prefix).toLowerCase();
  await withClient(base.toString(), (admin) => createDatabase(admin, name));
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => withClient(base.toString(), (admin) => dropDatabase(admin, name)) };
}

/** Poll until `check` returns a truthy value (returned), or fail after `timeoutMs` — never a fixed sleep. */
export async function waitUntil<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await sleep(100);
  }
}
export * from './kafka-cluster';
export * from './service-process';
export * from './topic-records';
export * from './tcp-proxy';
export * from './postgres-instance';
export * from './free-port';
