import { describe, expect, it } from 'vitest';
import { chunks, lagOf, nextOffset, planBatch } from './partition-position';

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
});
