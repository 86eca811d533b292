import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { avroType, sampleTelemetryBatch, TelemetryBatchV1Schema, AlertV1Schema, type TelemetryBatch as AvroBatch } from '@vigil/schemas';
import { AnalyzerError } from '../errors/analyzer.error';
import { DetectionEngine } from '../detection/engine';
import { RuleSet } from '../detection/rules/rule-set';
import { eventCount, replaceNul, toDetectionBatch } from './telemetry-adapter';
import { toAvroAlert } from './alert-record';
import { DLQ_HEADERS, deadLetter } from './dead-letter';

const EP = '5b0f6f3e-2a7c-4c55-9a43-1d2f3e4a5b6c';

/** A batch as the Avro decoder yields it (round trip through the real schema). */
function decoded(over: Partial<AvroBatch> = {}): AvroBatch {
  const t = avroType(TelemetryBatchV1Schema);
  return t.fromBuffer(t.toBuffer({ ...sampleTelemetryBatch(EP), ...over })) as AvroBatch;
}

describe('Avro → detection adapter', () => {
  it('replaces NUL characters in strings and map keys (PostgreSQL refuses them), so the batch is not lost', () => {
    const v = decoded();
    v.processes[0]!.exe = '/usr/bin/a\u0000b';
    v.processes[0]!.execs[0]!.argv = ['ls', '\u0000'];
    v.processes[1]!.security = [{ time: 1, kind: 'memfd_create', ret: 3, args: { 'na\u0000me': 'x\u0000' } }];
    v.drops = { 'ring\u0000': 1 };
    const b = toDetectionBatch(v, EP);
    expect(b.processes[0]!.exe).toBe('/usr/bin/a\uFFFDb');
    expect(b.processes[0]!.execs[0]!.argv).toEqual(['ls', '\uFFFD']);
    expect(b.processes[1]!.security[0]!.args).toEqual({ 'na\uFFFDme': 'x\uFFFD' });
    expect(b.drops).toEqual({ 'ring\uFFFD': 1 });
    expect(JSON.stringify(b)).not.toContain('\\u0000');
    expect(replaceNul(decoded())).toBe(0);
  });

  it('refuses a batch whose window ends after the gateway accepted it by more than the skew (the endpoint clock is never moved into the future)', () => {
    const acceptedAt = Date.now();
    const v = decoded({ windowEnd: acceptedAt + 11 * 60_000 });
    expect(() => toDetectionBatch(v, EP, { acceptedAt, maxClockAheadMs: 10 * 60_000 })).toThrow(/more than 600 s after the gateway accepted/);
    expect(toDetectionBatch(decoded({ windowEnd: acceptedAt + 9 * 60_000 }), EP, { acceptedAt, maxClockAheadMs: 10 * 60_000 }).windowEnd).toBe(acceptedAt + 9 * 60_000);
  });

  it('maps every field the detectors read', () => {
    const v = decoded();
    const b = toDetectionBatch(v, EP);
    expect(b.endpointId).toBe(EP);
    expect(b.batchId).toBe(v.batchId);
    expect(b.windowEnd).toBe(v.windowEnd);
    expect(b.host.bootId).toBe(v.host.bootId);
    expect(b.processes).toHaveLength(v.processes.length);
    const p = b.processes[0]!;
    expect(p.exe).toBe('/usr/bin/prog0');
    expect(p.syscalls.read).toBe(1200);
    expect(p.sequences.k).toBe(3);
    expect(p.sequences.ngrams[0]).toEqual({ hash: v.processes[0]!.sequences.ngrams[0]!.hash, count: 10 });
    expect(p.files[0]!.path).toBe('/etc/ld.so.cache');
    expect(p.execs[0]!.argv).toEqual(['ls', '-l']);
    expect(p.network[0]).toMatchObject({ op: 'CONNECT', family: 'INET', port: 443 });
    expect(b.agentStats).toEqual({ events_per_second: 1234.5 });
  });

  it('yields batches the engine processes', () => {
    const engine = new DetectionEngine(RuleSet.parse(readFileSync(resolve(__dirname, '../../rules/known-bad.yaml'), 'utf8')));
    const r = engine.processBatch(toDetectionBatch(decoded(), EP));
    expect(r.alerts).toEqual([]);
    expect(engine.baseline(EP, '/usr/bin/prog0')?.windows).toBe(1);
  });

  it('refuses batches the database could not key (a dead letter, not a retry)', () => {
    const bad = (over: Partial<AvroBatch>, key: string | null = null): unknown => {
      try {
        toDetectionBatch(decoded(over), key);
      } catch (err) {
        return err;
      }
      return undefined;
    };
    for (const err of [bad({ endpointId: 'not-a-uuid' }), bad({ batchId: 'x' }), bad({}, 'another-key'), bad({ windowStart: Date.now() + 60_000 })]) {
      expect(err).toBeInstanceOf(AnalyzerError);
      expect((err as AnalyzerError).code).toBe('BATCH_INVALID');
      expect((err as AnalyzerError).retriable).toBe(false);
    }
  });

  it('counts events as the system calls in the batch', () => {
    const b = toDetectionBatch(decoded(), EP);
    const expected = b.processes.reduce((s, p) => s + Object.values(p.syscalls).reduce((a, c) => a + c, 0), 0);
    expect(eventCount(b)).toBe(expected);
    expect(expected).toBeGreaterThan(0);
  });
});

describe('alert record and dead letters', () => {
  it('encodes an engine alert with the alert.v1 schema', () => {
    const alert = {
      id: '0b7c9f0e-1d2e-5f3a-8b4c-5d6e7f8a9b0c',
      endpointId: EP,
      batchId: '7d5b1c3e-2f4a-4b6c-8d9e-0f1a2b3c4d5e',
      time: 1_764_000_000_000,
      program: '/usr/sbin/nginx',
      programKey: '/usr/sbin/nginx',
      exeHash: null,
      pid: 10,
      ppid: 1,
      uid: 33,
      comm: 'nginx',
      ancestry: ['/usr/lib/systemd/systemd'],
      detector: 'file-access' as const,
      kind: 'novel-file-access',
      key: 'read /etc/shadow',
      severity: 'high' as const,
      score: 80,
      mitre: 'T1003.008',
      title: 'read /etc/shadow',
      evidence: 'never seen',
      data: { path: '/etc/shadow', pids: [10], n: 3 },
      count: 2,
      acceptance: null,
    };
    const v = toAvroAlert(alert);
    const t = avroType(AlertV1Schema);
    const back = t.fromBuffer(t.toBuffer(v)) as ReturnType<typeof toAvroAlert>;
    expect(back.severity).toBe('HIGH');
    expect(back.mitreTechnique).toBe('T1003.008');
    expect(back.evidenceData).toEqual({ path: '/etc/shadow', pids: '[10]', n: '3' });
    expect(back.count).toBe(2);
  });

  it('puts the error and the source position in the dead letter headers and keeps the bytes', () => {
    const value = Buffer.from([1, 2, 3]);
    const dl = deadLetter({ topic: 't', partition: 4, offset: '17', key: Buffer.from(EP), value, timestamp: '123', headers: {} }, 'RECORD_UNDECODABLE', 'bad magic');
    expect(dl.value).toEqual(value);
    expect(dl.key).toBe(EP);
    expect(dl.headers).toMatchObject({ [DLQ_HEADERS.code]: 'RECORD_UNDECODABLE', [DLQ_HEADERS.message]: 'bad magic', [DLQ_HEADERS.topic]: 't', [DLQ_HEADERS.partition]: '4', [DLQ_HEADERS.offset]: '17' });
  });
});
