import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressBody, parseEncoding, zstdFrameLimits } from './decompress';
import { zstdFrame, zstdStored } from '../../test/support/zstd-frame';

const MiB = 1024 * 1024;

describe('decompressBody', () => {
  it('passes identity bodies through, within the limit', async () => {
    const b = Buffer.from('abc');
    expect(await decompressBody(b, 'identity', 10)).toBe(b);
    await expect(decompressBody(Buffer.alloc(11), 'identity', 10)).rejects.toMatchObject({ code: 'DECODED_TOO_LARGE' });
  });

  it('inflates gzip and stops a gzip bomb at the limit', async () => {
    const data = Buffer.from('x'.repeat(5000));
    expect((await decompressBody(gzipSync(data), 'gzip', MiB)).equals(data)).toBe(true);
    const bomb = gzipSync(Buffer.alloc(64 * MiB)); // ~64 KiB on the wire
    expect(bomb.length).toBeLessThan(100 * 1024);
    await expect(decompressBody(bomb, 'gzip', MiB)).rejects.toMatchObject({ code: 'DECODED_TOO_LARGE' });
    await expect(decompressBody(Buffer.from('not gzip'), 'gzip', MiB)).rejects.toMatchObject({ code: 'BAD_COMPRESSION' });
  });

  it('decodes zstd (stored frames and, when the zstd tool exists, real compressed ones)', async () => {
    const data = Buffer.from('telemetry '.repeat(50_000));
    expect((await decompressBody(zstdStored(data), 'zstd', MiB)).equals(data)).toBe(true);
    let real: Buffer | undefined;
    try {
      real = execFileSync('zstd', ['-c', '-q'], { input: data });
    } catch {
      real = undefined; // no zstd CLI on this machine: the stored-frame case above still covers decoding
    }
    if (real) expect((await decompressBody(real, 'zstd', MiB)).equals(data)).toBe(true);
  });

  it('stops a zstd bomb (RLE blocks) at the limit and refuses forged window/content sizes', async () => {
    const bomb = zstdFrame(Array.from({ length: 200 }, () => ({ rle: 0x41, size: 128 * 1024 }))); // 25 MiB from ~800 bytes
    expect(bomb.length).toBeLessThan(1000);
    await expect(decompressBody(bomb, 'zstd', MiB)).rejects.toMatchObject({ code: 'DECODED_TOO_LARGE' });
    const hugeWindow = zstdFrame([{ rle: 0, size: 10 }], { windowLog: 31 });
    expect(zstdFrameLimits(hugeWindow).window).toBe(2 ** 31);
    await expect(decompressBody(hugeWindow, 'zstd', MiB)).rejects.toMatchObject({ code: 'BAD_COMPRESSION' });
    const declared = zstdFrame([{ rle: 0, size: 10 }], { contentSize: 4 * MiB });
    await expect(decompressBody(declared, 'zstd', MiB)).rejects.toMatchObject({ code: 'DECODED_TOO_LARGE' });
    await expect(decompressBody(Buffer.from('definitely not zstd'), 'zstd', MiB)).rejects.toMatchObject({ code: 'BAD_COMPRESSION' });
  });

  it('knows its encodings', () => {
    expect(parseEncoding(undefined)).toBe('identity');
    expect(parseEncoding('GZIP')).toBe('gzip');
    expect(parseEncoding('zstd')).toBe('zstd');
    expect(() => parseEncoding('br')).toThrow(/not supported/);
  });
});
