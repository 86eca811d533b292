import { describe, expect, it } from 'vitest';
import { chunks, lagOf, nextOffset, planBatch, progressOf } from './partition-position';

describe('partition position', () => {
  it('processes everything when the partition was never written', () => {
    expect(planBatch(null, ['5', '6'], false)).toEqual({ action: 'process', from: 0 });
  });

  it('skips records the database already has (Kafka offsets lag behind it)', () => {
    expect(planBatch('7', ['5', '6', '7', '8'], false)).toEqual({ action: 'process', from: 2 });
    expect(planBatch('9', ['5', '6', '7', '8'], false)).toEqual({ action: 'skip' });
  });

  it('seeks back when a batch starts after the stored position, once', () => {
    expect(planBatch('3', ['5', '6'], false)).toEqual({ action: 'seek', offset: '3' });
    // the records in between are gone (retention): accept the gap instead of seeking forever
    expect(planBatch('3', ['5', '6'], true)).toEqual({ action: 'process', from: 0 });
  });

  it('compares offsets as 64-bit integers, not strings', () => {
    expect(planBatch('10', ['9', '10', '11'], false)).toEqual({ action: 'process', from: 1 });
    expect(nextOffset('9007199254740993')).toBe('9007199254740994');
  });

  it('computes lag and chunks', () => {
    expect(lagOf('100', '90')).toBe(10);
    expect(lagOf('100', '120')).toBe(0);
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('reports lag against the end offsets and a partition stuck with records waiting as stalled', () => {
    // stuck at 40 (the group's Kafka commit) while records keep arriving: lag grows, then stalled
    expect(progressOf(2, '45', ['40', null], 0, 60_000, 30_000)).toEqual({ partition: 2, lag: 5, stalled: false, sinceProgressMs: 30_000 });
    expect(progressOf(2, '90', ['40', null], 0, 60_000, 61_000)).toEqual({ partition: 2, lag: 50, stalled: true, sinceProgressMs: 61_000 });
    // the database commit ahead of Kafka's counts; nothing waiting is never stalled
    expect(progressOf(0, '100', ['40', '100'], 0, 60_000, 600_000)).toMatchObject({ lag: 0, stalled: false });
    expect(progressOf(1, undefined, [undefined, null], 0, 60_000, 600_000)).toMatchObject({ lag: 0, stalled: false });
  });
});
