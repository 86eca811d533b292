import { describe, expect, it } from 'vitest';
import { TelemetryBatchV1Schema, type TelemetryBatch } from './generated/telemetry-batch.v1.generated';
import { avroType } from './registry';
import { checkEncoding } from './strict-decode';
import { sampleTelemetryBatch } from './testing/sample-batch';
import { InvariantError, checkTelemetryInvariants } from './telemetry-invariants';

const v1 = avroType(TelemetryBatchV1Schema);
const NOW = Date.now();
const OPTIONS = { now: NOW, maxFutureMs: 10 * 60_000, maxPastMs: 30 * 86_400_000 };
const DAY = 86_400_000;

/** The first violation of `batch` (undefined: it satisfies the contract). */
function violation(batch: TelemetryBatch, writer = v1): string | undefined {
  const buf = writer.toBuffer(batch);
  checkEncoding(writer, buf);
  try {
    checkTelemetryInvariants(writer, buf, OPTIONS);
    return undefined;
  } catch (err) {
    if (err instanceof InvariantError) return err.message;
    throw err;
  }
}

const sample = (): TelemetryBatch => {
  const b = sampleTelemetryBatch('7b0c5a8e-2f7d-4c39-9b1e-3f5c8a9d0e11', 3, 4);
  b.processes[1]!.security = [{ time: NOW - 1_000, kind: 'ptrace', ret: 0, args: { request: 'PTRACE_ATTACH', pid: '42' } }];
  b.processes[2]!.exited = true;
  b.processes[2]!.exitCode = 1;
  b.processes[3]!.syscalls = { sys_300: 2, _sysctl: 1, read: 4 };
  b.processes[1]!.argv = ['nginx: worker process'];
  b.processes[1]!.ancestorPids = b.processes[1]!.ancestry.map((_, i) => 900 - i);
  b.host.hostname = 'hôte-ünïcode-名前';
  return b;
};

describe('checkTelemetryInvariants', () => {
  it('accepts what an agent sends', () => {
    expect(violation(sample())).toBeUndefined();
  });

  const cases: [string, (b: TelemetryBatch) => void, RegExp][] = [
    ['batch id of control characters', (b) => (b.batchId = '\u0001\u0002\u0003'), /^batchId: not a uuid/],
    ['batch id not a uuid', (b) => (b.batchId = 'not-a-uuid'), /^batchId: not a uuid/],
    ['negative sequence', (b) => (b.sequence = -1), /^sequence: negative/],
    ['reversed window', (b) => ([b.windowStart, b.windowEnd] = [b.windowEnd, b.windowStart - 1]), /^windowStart: .* is after windowEnd/],
    ['window ten years ahead', (b) => (b.windowEnd = NOW + 3650 * DAY), /^windowEnd: .* ahead of the gateway's clock/],
    ['window 11 minutes ahead', (b) => (b.windowEnd = NOW + 11 * 60_000), /^windowEnd: .* ahead/],
    ['window at the epoch', (b) => ((b.windowStart = 0), (b.windowEnd = 1)), /^windowStart: 1970-01-01.* days before/],
    ['window of two days', (b) => (b.windowStart = b.windowEnd - 2 * DAY), /^windowEnd: a window of .* longer than a day/],
    ['file opened in 2036', (b) => (b.processes[0]!.files[0]!.firstSeen = Date.UTC(2036, 0, 1)), /^processes\[0\]\.files\[0\]\.firstSeen: 2036/],
    ['exec in the far past', (b) => (b.processes[0]!.execs[0]!.time = NOW - 40 * DAY), /^processes\[0\]\.execs\[0\]\.time: .* days before/],
    ['NUL byte in an exe', (b) => (b.processes[1]!.exe = '/usr/bin/\u0000evil'), /^processes\[1\]\.exe: contains a NUL byte/],
    ['NUL byte in an argv', (b) => (b.processes[0]!.execs[0]!.argv = ['ls', 'a\u0000b']), /^processes\[0\]\.execs\[0\]\.argv\[1\]: contains a NUL/],
    ['NUL byte in a process argv', (b) => (b.processes[2]!.argv = ['awk', 'a\u0000b']), /^processes\[2\]\.argv\[1\]: contains a NUL/],
    ['NUL byte in a map key', (b) => (b.drops = { 'x\u0000': 1 }), /^drops\.key: contains a NUL/],
    ['negative syscall count', (b) => (b.processes[0]!.syscalls = { read: -5 }), /^processes\[0\]\.syscalls\.value: negative count -5/],
    ['syscall name that is no name', (b) => (b.processes[0]!.syscalls = { 'rm -rf /': 1 }), /^processes\[0\]\.syscalls: .* is not a system call name/],
    ['syscall number out of range', (b) => (b.processes[0]!.syscalls = { sys_512: 1 }), /system call number 512 is out of range/],
    ['negative n-gram count', (b) => (b.processes[0]!.sequences.ngrams[0]!.count = -1), /sequences\.ngrams\[0\]\.count: negative/],
    ['k of 0', (b) => (b.processes[0]!.sequences.k = 0), /sequences\.k: 0 is outside/],
    ['negative file count', (b) => (b.processes[0]!.files[1]!.count = -3), /files\[1\]\.count: negative/],
    ['port out of range', (b) => (b.processes[0]!.network[0]!.port = 70_000), /network\[0\]\.port: 70000 is not a port/],
    ['return value below -errno', (b) => (b.processes[0]!.files[0]!.ret = -100_000), /files\[0\]\.ret: -100000 is neither/],
    ['pid 0', (b) => (b.processes[0]!.pid = 0), /processes\[0\]\.pid: 0 is not a process id/],
    ['negative ppid', (b) => (b.processes[0]!.ppid = -2), /processes\[0\]\.ppid/],
    ['its own parent', (b) => (b.processes[0]!.ppid = b.processes[0]!.pid), /not its own parent/],
    ['one process twice', (b) => (b.processes[1] = { ...b.processes[1]!, pid: b.processes[0]!.pid, startTimeNs: b.processes[0]!.startTimeNs }), /^processes\[1\]: process .* appears twice/],
    ['ancestor pids not one per ancestor', (b) => (b.processes[1]!.ancestorPids = [...b.processes[1]!.ancestorPids!, 7]), /^processes\[1\]\.ancestorPids: \d+ pids for an ancestry of \d+/],
    ['ancestor pid 0', (b) => (b.processes[1]!.ancestorPids![0] = 0), /^processes\[1\]\.ancestorPids\[0\]: 0 is not a process id/],
    ['its own ancestor', (b) => (b.processes[1]!.ancestorPids![0] = b.processes[1]!.pid), /ancestorPids\[0\]: a process is not its own ancestor/],
    ['exit code of a running process', (b) => (b.processes[0]!.exitCode = 0), /exitCode: an exit code for a process that has not exited/],
    ['exe longer than PATH_MAX decoded', (b) => (b.processes[0]!.exe = `/${'a'.repeat(12_288)}`), /exe: 12289 bytes, more than 12288/],
    ['empty security kind', (b) => (b.processes[1]!.security[0]!.kind = ''), /security\[0\]\.kind: empty/],
    ['NaN in agent stats', (b) => (b.agentStats = { cpu: Number.NaN }), /^agentStats: NaN is not a finite number/],
    ['infinite agent stat', (b) => (b.agentStats = { cpu: Number.POSITIVE_INFINITY }), /not a finite number/],
  ];
  it.each(cases)('refuses %s', (_name, mutate, reason) => {
    const b = sample();
    mutate(b);
    expect(violation(b)).toMatch(reason);
  });

  it('accepts a path of PATH_MAX bytes that are not UTF-8 as the agent decodes it (each one U+FFFD, 3 bytes)', () => {
    const b = sample();
    b.processes[0]!.files[0]!.path = `/${Buffer.alloc(4094, 0xff).toString('utf8')}`;
    expect(Buffer.byteLength(b.processes[0]!.files[0]!.path)).toBe(12_283);
    expect(violation(b)).toBeUndefined();
  });

  it('refuses invalid UTF-8 in a string (bytes the agent never sends)', () => {
    const b = sample();
    b.processes[0]!.comm = 'XXXX';
    const buf = v1.toBuffer(b);
    const at = buf.indexOf('XXXX');
    buf[at] = 0xff;
    buf[at + 1] = 0xfe;
    checkEncoding(v1, buf);
    expect(() => checkTelemetryInvariants(v1, buf, OPTIONS)).toThrow(/processes\[0\]\.comm: not valid UTF-8/);
  });

  it('reads another version of the schema through v1 (same invariants)', () => {
    const schema = JSON.parse(JSON.stringify(TelemetryBatchV1Schema)) as { fields: { name: string; type: unknown; default?: unknown }[] };
    schema.fields.push({ name: 'extra', type: 'string', default: '' });
    const v2 = avroType(schema);
    const b = { ...sample(), extra: 'x' } as TelemetryBatch;
    expect(violation(b, v2)).toBeUndefined();
    b.sequence = -7;
    expect(violation(b, v2)).toMatch(/^sequence: negative/);
  });
});
