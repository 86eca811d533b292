/**
 * Minimal zstd *encoder* for tests: a valid frame made of raw (stored) and RLE blocks, as RFC 8878
 * §3.1.1 defines them. Enough to exercise the gateway's zstd path and build zstd bombs without
 * a native dependency.
 */
export function zstdFrame(blocks: ({ raw: Buffer } | { rle: number; size: number })[], options: { windowLog?: number; contentSize?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(0xfd2fb528);
  parts.push(magic);
  if (options.contentSize !== undefined) {
    // FCS field of 8 bytes (flag 3), not single-segment, plus a window descriptor.
    parts.push(Buffer.from([0b1100_0000, ((options.windowLog ?? 17) - 10) << 3]));
    const fcs = Buffer.alloc(8);
    fcs.writeBigUInt64LE(BigInt(options.contentSize));
    parts.push(fcs);
  } else {
    parts.push(Buffer.from([0, ((options.windowLog ?? 17) - 10) << 3]));
  }
  blocks.forEach((b, i) => {
    const last = i === blocks.length - 1 ? 1 : 0;
    const size = 'raw' in b ? b.raw.length : b.size;
    const type = 'raw' in b ? 0 : 1;
    const header = last | (type << 1) | (size << 3);
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]));
    parts.push('raw' in b ? b.raw : Buffer.from([b.rle]));
  });
  return Buffer.concat(parts);
}

/** Split `data` into raw blocks of ≤ 128 KiB (the zstd block maximum). */
export function zstdStored(data: Buffer): Buffer {
  const blocks: { raw: Buffer }[] = [];
  for (let i = 0; i < data.length; i += 128 * 1024) blocks.push({ raw: data.subarray(i, i + 128 * 1024) });
  return zstdFrame(blocks.length ? blocks : [{ raw: Buffer.alloc(0) }]);
}
