import { describe, expect, it } from 'vitest';
import { buildIncidentTree } from './IncidentTree';
import type { IncidentAlert, IncidentProcess } from '../types/incident';

const p = (pid: number, ppid: number, exe: string): IncidentProcess => ({ pid, ppid, exe, argv: null, firstSeen: '2026-12-01T10:00:00Z', exitedAt: null });
const a = (pid: number, kind: string): IncidentAlert =>
  ({ id: `${pid}-${kind}`, pid, ppid: null, kind, time: '2026-12-01T10:00:00Z', lastSeen: null, program: '', severity: 'high', title: '', mitre: null, count: 1, status: 'open', endpointsWithSame: 1 }) as IncidentAlert;

describe('buildIncidentTree', () => {
  it('nests the shell, what it downloaded and what it ran; processes that raised alerts are marked', () => {
    const tree = buildIncidentTree([p(601, 4242, '/tmp/.x/kit'), p(4242, 4000, '/usr/bin/bash'), p(600, 4242, '/usr/bin/curl')], [a(601, 'new-program'), a(601, 'credential-file-read')]);
    expect(tree.map((n) => n.value)).toEqual(['4242:2026-12-01T10:00:00Z']);
    expect(tree[0]!.children!.map((n) => n.value.split(':')[0])).toEqual(['600', '601']);
  });
});
