import { describe, expect, it } from 'vitest';
import type { ProcessNode } from '../types/endpoint';
import { buildProcessTree } from './ProcessTree';
import { healthOf } from '../types/endpoint';
import { ENDPOINT } from '../../../test-fixtures';

const proc = (pid: number, ppid: number, comm: string): ProcessNode =>
  ({ pid, ppid, comm, exe: `/usr/bin/${comm}`, uid: 0, startTime: '2026-12-01T10:00:00Z', startTimeNs: String(pid), lastSeen: '2026-12-01T10:00:00Z', exitedAt: null, exitCode: null, ancestry: [], argv: null, containerId: null, bootId: 'b' }) as ProcessNode;

const shape = (nodes: ReturnType<typeof buildProcessTree>): unknown => nodes.map((n) => [n.value.split(':')[1], shape(n.children ?? [])]);

describe('buildProcessTree', () => {
  it('nests children under parents; an orphan is a root', () => {
    const tree = buildProcessTree([proc(1, 0, 'systemd'), proc(900, 1, 'sshd'), proc(950, 900, 'bash'), proc(951, 950, 'curl'), proc(700, 650, 'orphan'), proc(800, 1, 'cron')]);
    expect(shape(tree)).toEqual([
      ['1', [['800', []], ['900', [['950', [['951', []]]]]]]],
      ['700', []],
    ]);
  });

  it('survives a process that claims to be its own parent', () => {
    expect(shape(buildProcessTree([proc(5, 5, 'odd')]))).toEqual([['5', []]]);
  });
});

describe('healthOf', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('tells online, dropping, offline, never seen and revoked apart', () => {
    expect(healthOf({ ...ENDPOINT, lastSeenAt: '2026-12-01T11:59:30Z' }, now)).toBe('online');
    expect(healthOf({ ...ENDPOINT, lastSeenAt: '2026-12-01T11:59:30Z', drops: 3 }, now)).toBe('dropping');
    // truncated strings and unreadable arguments degrade records; nothing was lost
    expect(healthOf({ ...ENDPOINT, lastSeenAt: '2026-12-01T11:59:30Z', drops: 0, degraded: 40 }, now)).toBe('online');
    expect(healthOf({ ...ENDPOINT, lastSeenAt: '2026-12-01T11:50:00Z' }, now)).toBe('offline');
    expect(healthOf({ ...ENDPOINT, lastSeenAt: null }, now)).toBe('never seen');
    expect(healthOf({ ...ENDPOINT, revokedAt: '2026-12-01T11:00:00Z' }, now)).toBe('revoked');
  });
});
