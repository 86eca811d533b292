import { spawn } from 'node:child_process';
import { TelemetryBatchV1Schema, avroType, checkTelemetryInvariants, sampleTelemetryBatch } from '@vigil/schemas';
import { describe, expect, it } from 'vitest';
import { CMDLINE_MAX_BYTES, containerIdFromCgroup, parseStat, readProc } from './proc-reader';

describe('proc-reader', () => {
  it('parses stat with spaces and parentheses in comm', () => {
    const s = parseStat('1234 (my (odd) prog) S 77 1234 1234 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1000 1 ');
    expect(s).toEqual({ comm: 'my (odd) prog', ppid: 77, startTicks: 98765 });
  });

  it('finds container ids in docker, containerd and podman cgroups', () => {
    const id = 'a'.repeat(64);
    expect(containerIdFromCgroup(`/system.slice/docker-${id}.scope`)).toBe(id);
    expect(containerIdFromCgroup(`/kubepods/besteffort/pod1/cri-containerd-${id}.scope`)).toBe(id);
    expect(containerIdFromCgroup('/user.slice/user-0.slice/session-1.scope')).toBeNull();
  });

  it('reads the current process from the real /proc', () => {
    const me = readProc(process.pid)!;
    expect(me.pid).toBe(process.pid);
    expect(me.ppid).toBe(process.ppid);
    expect(me.exe).toBe(process.execPath);
    expect(me.cmdline[0]).toBe(process.argv0);
    expect(me.uid).toBe(process.getuid!());
  });

  it('keeps the first 1 KiB of a command line, as the kernel keeps of an exec (2,000 arguments or one of 5,000 bytes got batches refused)', async () => {
    const args = ['-e', 'setTimeout(() => {}, 30000)', 'x'.repeat(5_000), ...Array.from({ length: 2_000 }, (_, i) => `a${i}`)];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const p = readProc(child.pid!)!;
      expect(p.cmdline.slice(0, 2)).toEqual([process.execPath, '-e']);
      expect(Buffer.byteLength(p.cmdline.join('\0'))).toBeLessThanOrEqual(CMDLINE_MAX_BYTES);
      const batch = sampleTelemetryBatch('7b0c5a8e-2f7d-4c39-9b1e-3f5c8a9d0e11', 1, 1);
      batch.processes[0]!.argv = p.cmdline;
      const type = avroType(TelemetryBatchV1Schema);
      expect(() => checkTelemetryInvariants(type, type.toBuffer(batch), { now: Date.now(), maxFutureMs: 600_000, maxPastMs: 86_400_000 })).not.toThrow();
      // what /proc holds in full is a process argv the gateway refuses
      batch.processes[0]!.argv = [process.execPath, ...args];
      expect(() => checkTelemetryInvariants(type, type.toBuffer(batch), { now: Date.now(), maxFutureMs: 600_000, maxPastMs: 86_400_000 })).toThrow(/argv/);
    } finally {
      child.kill();
    }
  });
});
