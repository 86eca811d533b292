import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOPICS } from '@vigil/common';
import { KafkaClient, type KafkaSasl } from '@vigil/kafka';
import { stackUrls, uniqueName, testEnv } from '@vigil/testing';

/**
 * The local stack `./vigil stack up` runs asks every Kafka and registry client for credentials, and
 * each service's Kafka user may do only what docs/security.md lists (a stack formatted before SASL is
 * moved over by `./vigil up`). Reads the generated passwords from $VIGIL_HOME/stack.
 */
const stackDir = join(testEnv('VIGIL_HOME') ? resolve(testEnv('VIGIL_HOME')) : resolve(__dirname, '..', '..', '..', '..', '.vigil'), 'stack');
const secrets = (): { kafka: { users: Record<string, string> }; registryPasswords: Record<string, string> } => JSON.parse(readFileSync(join(stackDir, 'credentials.json'), 'utf8'));
const sasl = (user: string, password = secrets().kafka.users[user]!): KafkaSasl => ({ mechanism: 'scram-sha-512', username: user, password });
const client = (user?: string, password?: string): KafkaClient =>
  new KafkaClient({ brokers: stackUrls().kafkaBrokers, clientId: uniqueName('creds-test'), retries: 0, connectionTimeoutMs: 3000, requestTimeoutMs: 5000, ...(user ? { sasl: sasl(user, password) } : {}) });

/** Whether `op` succeeds with `user`'s client, or the broker's refusal. */
async function attempt(user: string | undefined, op: (k: KafkaClient) => Promise<unknown>, password?: string): Promise<'ok' | string> {
  const k = client(user, password);
  try {
    await op(k);
    return 'ok';
  } catch (err) {
    // kafkajs nests per-topic refusals (e.g. TOPIC_AUTHORIZATION_FAILED) under `errors`.
    const e = err as Error & { type?: string; errors?: { type?: string }[] };
    return [e.message, e.type, ...(e.errors ?? []).map((x) => x.type)].filter(Boolean).join(' ');
  }
}

const topicsOf = async (k: KafkaClient): Promise<string[]> => {
  const admin = k.admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
};

describe('local stack credentials', () => {
  it('Kafka refuses clients without SASL or with a wrong password, and knows the admin', async () => {
    expect(stackUrls().kafkaSasl?.username).toBe('admin');
    expect(await attempt(undefined, topicsOf)).not.toBe('ok');
    expect(await attempt('admin', topicsOf, 'not-the-password')).toMatch(/authentication|SASL/i);
    const admin = client('admin');
    expect(await topicsOf(admin)).toEqual(expect.arrayContaining(Object.values(TOPICS)));
  }, 60_000);

  it("each service's user sees only its own topics and may not create topics", async () => {
    const visible = async (user: string): Promise<string[]> => (await topicsOf(client(user))).filter((t) => !t.startsWith('__')).sort();
    expect(await visible('gateway')).toEqual([TOPICS.telemetry]);
    expect(await visible('analyzer')).toEqual([TOPICS.alerts, TOPICS.telemetryDlq, TOPICS.telemetry].sort());
    expect((await visible('registry')).every((t) => t.startsWith('kafkasql-') || t === 'registry-events')).toBe(true);
    for (const user of ['gateway', 'analyzer', 'registry']) {
      const result = await attempt(user, async (k) => {
        const admin = k.admin();
        await admin.connect();
        try {
          await admin.createTopic(uniqueName('creds.forbidden'), 1);
        } finally {
          await admin.disconnect();
        }
      });
      expect(result, user).toMatch(/authoriz/i);
    }
  }, 90_000);

  it('the gateway cannot write the alerts topic; the analyzer cannot write telemetry', async () => {
    const produce = (topic: string) => async (k: KafkaClient) => {
      const p = k.producer();
      await p.connect();
      try {
        const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 30 s')), 30_000).unref());
        await Promise.race([p.send(topic, [{ key: 'creds-test', value: Buffer.from('must not arrive') }]), timeout]);
      } finally {
        await p.disconnect().catch(() => undefined);
      }
    };
    expect(await attempt('gateway', produce(TOPICS.alerts))).toMatch(/authoriz/i);
    expect(await attempt('analyzer', produce(TOPICS.telemetry))).toMatch(/authoriz/i);
  }, 90_000);

  it('the registry answers 401 without credentials (proxy and Apicurio itself) and 200 with them', async () => {
    const url = stackUrls().schemaRegistryUrl;
    expect((await fetch(`${url}/subjects`)).status).toBe(401);
    const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    expect((await fetch(`${url}/subjects`, { headers: basic('admin', 'wrong') })).status).toBe(401);
    const pw = secrets().registryPasswords;
    for (const user of ['admin', 'gateway', 'analyzer']) expect((await fetch(`${url}/subjects`, { headers: basic(user, pw[user]!) })).status, user).toBe(200);
    const backend = Number(testEnv('VIGIL_REGISTRY_BACKEND_PORT') ?? 8091);
    expect((await fetch(`http://127.0.0.1:${backend}/apis/ccompat/v7/subjects`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${backend}/apis/registry/v3/groups`)).status).toBe(401);
  });

  it('every secret file is 0600 in 0700 directories', () => {
    const files = ['secrets.json', 'credentials.json', 'kafka/server.properties', 'registry/config/application.properties'].map((f) => join(stackDir, f));
    const serviceFiles = join(stackDir, 'secrets');
    for (const f of readdirSync(serviceFiles)) files.push(join(serviceFiles, f));
    for (const f of files) expect((statSync(f).mode & 0o777).toString(8), f).toBe('600');
    expect((statSync(serviceFiles).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(join(stackDir, 'registry/config')).mode & 0o777).toString(8)).toBe('700');
  });
});
