import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '@vigil/common';
import { InvariantError, TelemetryBatchV1Schema, avroType, checkTelemetryInvariants, decodeWireHeader, encodeWire, sampleTelemetryBatch, type TelemetryBatch } from '@vigil/schemas';
import { readAllRecords, stackUrls, testEnv } from '@vigil/testing';
import { startHarness, type Harness } from './harness';

const CASES = 4_000;

describe('fuzz: random and mutated Avro bodies', () => {
  let h: Harness;
  beforeAll(async () => {
    // Bodies are checked in worker threads (the default on more than one core) whatever this machine has.
    // 4,000 requests from one endpoint by 8 concurrent senders: far beyond what one agent sends, so
    // the per-endpoint rate limit (tested in guards.integration-spec.ts) is off here.
    h = await startHarness({ VIGIL_GATEWAY_CHECK_WORKERS: '2', VIGIL_GATEWAY_ENDPOINT_RATE: '0', VIGIL_GATEWAY_ENDPOINT_BYTES_RATE: '0' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it(`never crashes the gateway nor produces a record (${CASES} cases)`, async () => {
    const seed = Number(testEnv('VIGIL_FUZZ_SEED') ?? Date.now() % 1e9);
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

/** Boundary values for each kind of leaf a batch holds. */
const BOUNDARY = {
  number: [0, -1, 1, -2_147_483_648, 2_147_483_647, 511, 512, 65_535, 65_536, -4095, -4096, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e12, Date.now() + 11 * 60_000, Date.now() + 3650 * 86_400_000],
  string: ['', '\u0000', 'a\u0000b', '\u0001\u0002', 'x'.repeat(5000), '00000000-0000-0000-0000-000000000000', 'not-a-uuid', '/usr/bin/\uFFFD', '名前', 'sys_9999', 'rm -rf /'],
};
const FUZZ_CASES = 1_500;

describe('fuzz: structure-aware mutations of the endpoint\'s own batches', () => {
  let h: Harness;
  const v1 = avroType(TelemetryBatchV1Schema);
  beforeAll(async () => {
    h = await startHarness({ VIGIL_GATEWAY_CHECK_WORKERS: '2' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it(`never answers 5xx nor crashes, and every batch it accepts satisfies the invariants (${FUZZ_CASES} cases)`, async () => {
    const seed = Number(testEnv('VIGIL_FUZZ_SEED') ?? Date.now() % 1e9);
    const rnd = prng(seed);
    const int = (n: number) => Math.floor(rnd() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

    /** Every leaf of a batch: its container and key, so it can be replaced. */
    const leaves = (root: unknown): { on: Record<string | number, unknown>; key: string | number }[] => {
      const out: { on: Record<string | number, unknown>; key: string | number }[] = [];
      const walk = (v: unknown): void => {
        if (v === null || typeof v !== 'object') return;
        for (const [k, x] of Object.entries(v)) {
          if (x !== null && typeof x === 'object') walk(x);
          else out.push({ on: v as Record<string, unknown>, key: Array.isArray(v) ? Number(k) : k });
        }
      };
      walk(root);
      return out;
    };
    const mutate = (): Buffer => {
      const b = sampleTelemetryBatch(h.endpointId, 1 + int(1000), 1 + int(4)) as unknown as Record<string, unknown>;
      const kind = int(4);
      const all = leaves(b).filter((l) => !(l.on === b && l.key === 'endpointId'));
      if (kind === 0 || kind === 1) {
        // a boundary value of the leaf's own type (the encoding stays valid Avro when the type fits)
        for (let i = 0, n = 1 + int(3); i < n; i++) {
          const l = pick(all);
          const cur = l.on[l.key];
          if (typeof cur === 'number') l.on[l.key] = pick(BOUNDARY.number);
          else if (typeof cur === 'string') l.on[l.key] = pick(BOUNDARY.string);
          else if (typeof cur === 'boolean') l.on[l.key] = !cur;
        }
      } else if (kind === 2) {
        // swap two leaves of the same type (e.g. windowStart ↔ windowEnd, pid ↔ ppid, a count ↔ a time)
        const a = pick(all);
        const same = all.filter((l) => typeof l.on[l.key] === typeof a.on[a.key]);
        const c = pick(same);
        [a.on[a.key], c.on[c.key]] = [c.on[c.key], a.on[a.key]];
      } else {
        // a syscall name or a map key out of the contract
        const procs = b.processes as { syscalls: Record<string, number> }[];
        pick(procs).syscalls[pick(BOUNDARY.string)] = pick(BOUNDARY.number);
      }
      let framed: Buffer;
      try {
        framed = h.encoder.encode(b as unknown as TelemetryBatch);
      } catch {
        framed = h.encoder.encode(sampleTelemetryBatch(h.endpointId, 1, 1)); // a value Avro cannot hold (e.g. int overflow): the plain batch
      }
      // and now and then bit flips in the encoding itself
      if (int(4) === 0) for (let i = 0, n = 1 + int(3); i < n; i++) framed[5 + int(framed.length - 5)]! ^= 1 << int(8);
      return framed;
    };

    const statuses = new Map<number, number>();
    const reasons = new Map<string, number>();
    let produced = 0;
    let i = 0;
    const worker = async (): Promise<void> => {
      while (i < FUZZ_CASES) {
        const n = i++;
        const res = await h.post(mutate(), {});
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, `seed ${seed} case ${n}: ${JSON.stringify(res.json)}`).toBeLessThan(500);
        expect([202, 400, 403, 413, 422], `seed ${seed} case ${n}: ${JSON.stringify(res.json)}`).toContain(res.status);
        if (res.status === 202 && (res.json as { status?: string }).status === 'accepted') produced++;
        if (res.status === 422) {
          const msg = (res.json as { error: { message: string } }).error.message;
          const field = /contract: ([a-zA-Z]+)/.exec(msg)?.[1] ?? msg;
          reasons.set(field, (reasons.get(field) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    console.log(`structure-aware fuzz seed ${seed}: statuses ${JSON.stringify(Object.fromEntries(statuses))}; 422 by field ${JSON.stringify(Object.fromEntries(reasons))}`);
    expect(statuses.get(422) ?? 0).toBeGreaterThan(FUZZ_CASES * 0.2);
    expect(statuses.get(202) ?? 0).toBeGreaterThan(0);

    // Everything that reached Kafka satisfies the contract, judged at the time Kafka stamped it.
    const records = await readAllRecords(stackUrls().kafkaBrokers, h.topic, undefined, stackUrls().kafkaSasl);
    expect(records.length).toBe(produced); // 202 "duplicate" answers produced nothing
    for (const r of records) {
      const { payload } = decodeWireHeader(r.value!);
      try {
        checkTelemetryInvariants(v1, payload, { now: Number(r.timestamp), maxFutureMs: 10 * 60_000 + 5_000, maxPastMs: 30 * 86_400_000 });
      } catch (err) {
        if (err instanceof InvariantError) throw new Error(`seed ${seed}: an accepted batch breaks the contract: ${err.message}`);
        throw err;
      }
    }
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});
