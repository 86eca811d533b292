import { describe, expect, it } from 'vitest';
import { DedupeWindow } from './dedupe-window';

describe('DedupeWindow', () => {
  it('tracks pending → done, forgets failures, expires after the window and bounds its size', async () => {
    let now = 0;
    const w = new DedupeWindow(1_000, 3, () => now);
    let ok!: () => void;
    const produced = new Promise<void>((r) => (ok = r));
    w.track('a', produced);
    expect(w.get('a')?.state).toBe('pending');
    ok();
    await (w.get('a') as { done: Promise<void> }).done;
    expect(w.get('a')?.state).toBe('done');

    const failed = Promise.reject(new Error('kafka down'));
    w.track('b', failed);
    await (w.get('b') as { done: Promise<void> }).done;
    expect(w.get('b')).toBeUndefined();

    now = 2_000;
    expect(w.get('a')).toBeUndefined();

    for (const k of ['c', 'd', 'e', 'f']) w.track(k, Promise.resolve());
    await new Promise((r) => setImmediate(r));
    expect(w.size).toBeLessThanOrEqual(4);
    expect(w.get('f')).toBeDefined();
  });
});
