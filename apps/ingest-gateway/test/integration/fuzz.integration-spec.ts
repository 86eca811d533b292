import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '@vigil/common';
import { encodeWire, sampleTelemetryBatch } from '@vigil/schemas';
import { startHarness, type Harness } from './harness';

const CASES = 4_000;

describe('fuzz: random and mutated Avro bodies', () => {
  let h: Harness;
  beforeAll(async () => {
    // Bodies are checked in worker threads (the default on more than one core) whatever this machine has.
    h = await startHarness({ VIGIL_GATEWAY_CHECK_WORKERS: '2' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it(`never crashes the gateway nor produces a record (${CASES} cases)`, async () => {
    const seed = Number(process.env.VIGIL_FUZZ_SEED ?? Date.now() % 1e9);
    const rnd = prng(seed);
    const int = (n: number) => Math.floor(rnd() * n);
    // The seed batch names an endpoint other than the key's: a mutation that still decodes to a
    // valid batch is refused (403) like everything else, so no case may ever produce a record.
    const good = h.encoder.encode(sampleTelemetryBatch(`${h.endpointId.slice(0, -4)}ffff`, 1, 4));
    const payload = good.subarray(5);
    const before = await h.recordCount();

    const mutate = (buf: Buffer): Buffer => {
      const out = Buffer.from(buf);
      const kind = int(6);
      if (kind === 0) for (let i = 0, n = 1 + int(8); i < n; i++) out[5 + int(out.length - 5)] = int(256); // flip bytes in the body
      if (kind === 1) return out.subarray(0, 5 + int(out.length - 5)); // truncate
      if (kind === 2) return Buffer.concat([out, randomBytes(1 + int(16))]); // trailing bytes
      if (kind === 3) {
        // A huge varint where a count or length sits: the classic "decode 2^31 items" bomb.
        const at = 5 + int(out.length - 10);
        return Buffer.concat([out.subarray(0, at), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]), out.subarray(at + 1)]);
      }
      if (kind === 4) return encodeWire(int(2 ** 31), payload); // random schema id
      if (kind === 5) out.writeUInt8(int(256), 0); // magic byte
      return out;
    };

    const statuses = new Map<number, number>();
    let i = 0;
    const worker = async (): Promise<void> => {
      while (i < CASES) {
        const n = i++;
        let body: Buffer;
        if (n % 5 === 0) body = randomBytes(1 + int(4096));
        else body = mutate(good);
        const gz = n % 3 === 0;
        const res = await h.post(gz ? gzipSync(body) : body, gz ? { 'content-encoding': 'gzip' } : {});
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect([400, 403, 413], `seed ${seed} case ${n}: ${JSON.stringify(res.json)}`).toContain(res.status);
        expect(res.json).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    console.log(`fuzz seed ${seed}: statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(statuses.get(500) ?? 0).toBe(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(CASES * 0.8);
    expect(statuses.get(403) ?? 0).toBeGreaterThan(0); // some mutants decode fully: the whole path ran
    expect(await h.recordCount()).toBe(before);
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
