import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor';

describe('alert cursors', () => {
  it('round-trips and rejects foreign text', () => {
    const c = { time: '2026-11-21T14:00:00.123Z', id: 'a/b=c' };
    const text = encodeCursor(c);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(c);
    expect(decodeCursor('not-a-cursor')).toBeUndefined();
    expect(decodeCursor(Buffer.from('["nodate","x"]').toString('base64url'))).toBeUndefined();
  });
});
