import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointsRepository, createPool, generateEndpointKey, migrate } from '@vigil/db';
import { KafkaClient, type KafkaAdmin } from '@vigil/kafka';
import { TelemetryBatchV1Schema, WireEncoder, createRegistryClient, lookupValueSchemaId, sampleTelemetryBatch, subjectForTopic, type TelemetryBatch } from '@vigil/schemas';
import { freshDatabase, pinoListening, stackUrls, startServiceProcess, uniqueName, type ServiceProcess, stackServiceEnv, testEnv } from '@vigil/testing';

const GATEWAY_MAIN = resolve(__dirname, '../../../dist/main.js');
const REQUESTS = Number(testEnv('VIGIL_ABUSE_REQUESTS') ?? 20_000);
const WARMUP = 1_000;
const CONCURRENCY = 16;

/** Resident set of a process (kB → bytes), from /proc. */
function rss(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}
const mib = (b: number): string => (b / 1024 / 1024).toFixed(1);

// Issue 18: 20,000 malformed requests grew the gateway from 106 to 246 MB, and it stayed at 218 MB.
// Every kind of garbage an outsider or a broken agent can send, through the real gateway process;
// its RSS after the run must be within 20% of what it was after a warm-up with the same mix.
describe(`gateway memory under ${REQUESTS} malformed requests`, () => {
  let gateway: ServiceProcess;
  let admin: KafkaAdmin;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const topic = uniqueName('vigil.test.telemetry');
  let endpointId = '';
  let key = '';
  let other = '';

  beforeAll(async () => {
    const urls = stackUrls();
    admin = new KafkaClient({ brokers: urls.kafkaBrokers, clientId: 'abuse-test', sasl: urls.kafkaSasl }).admin();
    await admin.connect();
    await admin.createTopic(topic, 2);
    db = await freshDatabase('vigil_gw_abuse');
    const pool = createPool(db.url, { max: 1 });
    await migrate(pool);
    const repo = new EndpointsRepository(pool);
    const abuser = await repo.create('abuser');
    endpointId = abuser.endpoint.id;
    key = abuser.key;
    other = (await repo.create('victim')).endpoint.id;
    await pool.end();
    gateway = await startServiceProcess(
      GATEWAY_MAIN,
      {
        VIGIL_GATEWAY_PORT: '0',
        ...stackServiceEnv(urls),
        VIGIL_DATABASE_URL: db.url,
        VIGIL_GATEWAY_TOPIC: topic,
        VIGIL_GATEWAY_CHECK_WORKERS: '2',
        VIGIL_LOG_LEVEL: 'info',
      },
      pinoListening,
      { name: 'ingest-gateway', logFile: join(tmpdir(), `${topic}.gateway.log`), timeoutMs: 120_000 },
    );
  }, 240_000);
  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
    await admin?.deleteTopic(topic).catch(() => undefined);
    const registry = createRegistryClient(stackUrls().schemaRegistryUrl, { auth: stackUrls().registryAuth });
    await registry.deleteSubject(subjectForTopic(topic), false).catch(() => undefined);
    await registry.deleteSubject(subjectForTopic(topic), true).catch(() => undefined);
    registry.close();
    await admin?.disconnect();
  });

  it('RSS after the run is within 20% of RSS after the warm-up; no 5xx; the gateway still accepts a real batch', { timeout: 900_000 }, async () => {
    const registry = createRegistryClient(stackUrls().schemaRegistryUrl, { auth: stackUrls().registryAuth });
    const encoder = new WireEncoder<TelemetryBatch>(await lookupValueSchemaId(registry, topic, TelemetryBatchV1Schema), TelemetryBatchV1Schema);
    registry.close();
    const good = encoder.encode(sampleTelemetryBatch(endpointId, 1, 20));
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros, ~64 KiB on the wire
    const huge = randomBytes(9 * 1024 * 1024); // above the 8 MiB body limit

    /** One malformed request of kind `n % 12` (never a valid batch). */
    const request = (n: number): { body: Buffer; headers: Record<string, string> } => {
      const auth = { authorization: `Bearer ${key}` };
      switch (n % 12) {
        case 0:
          return { body: gzipSync(good), headers: { authorization: `Bearer ${generateEndpointKey()}`, 'content-encoding': 'gzip' } }; // unknown key, new every time
        case 1:
          return { body: randomBytes(64 + (n % 4096)), headers: auth };
        case 2:
          return { body: gzipSync(randomBytes(2048)), headers: { ...auth, 'content-encoding': 'gzip' } };
        case 3:
          return { body: bomb, headers: { ...auth, 'content-encoding': 'gzip' } };
        case 4: {
          const flipped = Buffer.from(good);
          for (let i = 0; i < 4; i++) flipped[5 + ((n * 7919 + i * 104729) % (flipped.length - 5))]! ^= 0x55;
          return { body: flipped, headers: auth };
        }
        case 5: {
          const b = sampleTelemetryBatch(endpointId, -n, 5); // negative sequence: 422
          return { body: gzipSync(encoder.encode(b)), headers: { ...auth, 'content-encoding': 'gzip' } };
        }
        case 6: {
          const b = sampleTelemetryBatch(endpointId, n, 5);
          b.processes[0]!.exe = `/tmp/\u0000${n}`; // NUL: 422
          return { body: encoder.encode(b), headers: auth };
        }
        case 7:
          return { body: gzipSync(encoder.encode(sampleTelemetryBatch(other, n, 5))), headers: { ...auth, 'content-encoding': 'gzip' } }; // another endpoint's batch: 403
        case 8:
          return { body: Buffer.from('not gzip at all'), headers: { ...auth, 'content-encoding': 'gzip' } };
        case 9:
          return { body: good, headers: { ...auth, 'content-encoding': 'br' } };
        case 10:
          return n % 120 === 10 ? { body: huge, headers: auth } : { body: good.subarray(0, 5 + (n % (good.length - 5))), headers: auth }; // too large / truncated
        default:
          return { body: Buffer.alloc(0), headers: { authorization: `Bearer ${'x'.repeat(300)}` } };
      }
    };

    const statuses = new Map<number, number>();
    const run = async (from: number, count: number): Promise<void> => {
      let next = from;
      const worker = async (): Promise<void> => {
        while (next < from + count) {
          const n = next++;
          const { body, headers } = request(n);
          // the gateway refuses a body above its limit while it is still being sent: the client sees the connection cut
          const tooLarge = body.length > 8 * 1024 * 1024;
          const res = await fetch(`${gateway.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/vnd.vigil.telemetry+avro', ...headers }, body }).catch((err: unknown) => {
            if (tooLarge) return { status: 413, text: async () => '' };
            throw err;
          });
          await res.text();
          // a bit flip inside a string can leave a valid batch, which is then rightly accepted
          const status = res.status === 202 && n % 12 !== 4 ? -202 : res.status;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    };
    const settle = async (): Promise<number> => {
      await new Promise((r) => setTimeout(r, 3_000));
      return rss(gateway.child.pid!);
    };

    const atStart = rss(gateway.child.pid!);
    await run(0, WARMUP);
    const before = await settle();
    const startedAt = Date.now();
    await run(WARMUP, REQUESTS / 2);
    const mid = await settle();
    await run(WARMUP + REQUESTS / 2, REQUESTS / 2);
    const tookS = (Date.now() - startedAt) / 1000 - 3;
    const after = await settle();
    const ratio = after / before;
    console.log(
      `gateway RSS: ${mib(atStart)} MiB at start, ${mib(before)} MiB after ${WARMUP} warm-up requests, ${mib(mid)} MiB half-way, ${mib(after)} MiB after ${REQUESTS} more malformed requests (${(REQUESTS / tookS).toFixed(0)}/s): ×${ratio.toFixed(2)}; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect([...statuses.keys()].filter((s) => s >= 500 || s < 0)).toEqual([]);
    expect(ratio).toBeLessThanOrEqual(1.2);
    const res = await fetch(`${gateway.url}/v1/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.vigil.telemetry+avro', authorization: `Bearer ${key}`, 'content-encoding': 'gzip' },
      body: gzipSync(encoder.encode(sampleTelemetryBatch(endpointId, 1, 3))),
    });
    expect(res.status).toBe(202);
  });
});
