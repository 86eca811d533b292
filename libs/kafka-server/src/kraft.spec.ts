import { describe, expect, it } from 'vitest';
import { kraftProperties, newClusterId } from './kraft';

const parse = (text: string): Map<string, string> =>
  new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
  );

describe('kraftProperties', () => {
  it('gives a three-node cluster RF 3, min.insync.replicas 2 and the full static voter set', () => {
    const p = parse(kraftProperties({ nodeId: 2, port: 19094, controllerPort: 19095, dataDir: '/d/2', voterControllerPorts: [19093, 19095, 19097] }));
    expect(p.get('node.id')).toBe('2');
    expect(p.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093,2@127.0.0.1:19095,3@127.0.0.1:19097');
    expect(p.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19094,CONTROLLER://127.0.0.1:19095');
    expect(p.get('default.replication.factor')).toBe('3');
    expect(p.get('min.insync.replicas')).toBe('2');
    expect(p.get('offsets.topic.replication.factor')).toBe('3');
    expect(p.get('unclean.leader.election.enable')).toBe('false');
    expect(p.get('log.dirs')).toBe('/d/2');
  });

  it('keeps a single node usable (RF 1, min ISR 1) and applies overrides last', () => {
    const p = parse(kraftProperties({ nodeId: 1, port: 9092, controllerPort: 9093, dataDir: '/d', voterControllerPorts: [9093], overrides: { 'log.retention.hours': 1 } }));
    expect(p.get('default.replication.factor')).toBe('1');
    expect(p.get('min.insync.replicas')).toBe('1');
    expect(p.get('transaction.state.log.min.isr')).toBe('1');
    expect(p.get('log.retention.hours')).toBe('1');
  });

  it('makes cluster ids of 16 random bytes in base64url', () => {
    const id = newClusterId();
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    expect(id).not.toBe(newClusterId());
  });

  it('never starts a cluster id with "-", which the storage tool would read as an option', () => {
    // 0xf8 encodes as '-' in base64url: the first draw starts with '-', the second does not
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
    const id = newClusterId(() => draws.shift()!);
    expect(id.startsWith('-')).toBe(false);
    expect(Buffer.from(id, 'base64url')).toEqual(Buffer.alloc(16, 0x01));
    expect(draws).toHaveLength(0);
  });
});
