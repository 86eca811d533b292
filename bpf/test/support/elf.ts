import { readFileSync } from 'node:fs';

/** One section of an ELF64 little-endian object: its name and bytes. */
export interface ElfSection {
  name: string;
  data: Buffer;
}

/**
 * The sections and symbols of an ELF64 little-endian object (what clang -target bpf writes), read
 * without libbpf or a toolchain: enough to look at an object's rodata and program sections in a
 * unit test.
 */
export class ElfObject {
  readonly sections: ElfSection[];
  private readonly symbols = new Map<string, { section: number; value: number; size: number }>();

  constructor(readonly bytes: Buffer) {
    if (bytes.readUInt32BE(0) !== 0x7f454c46 || bytes[4] !== 2 || bytes[5] !== 1) throw new Error('not an ELF64 little-endian object');
    const shoff = Number(bytes.readBigUInt64LE(0x28));
    const shentsize = bytes.readUInt16LE(0x3a);
    const shnum = bytes.readUInt16LE(0x3c);
    const shstrndx = bytes.readUInt16LE(0x3e);
    const headers = Array.from({ length: shnum }, (_, i) => {
      const at = shoff + i * shentsize;
      return {
        name: bytes.readUInt32LE(at),
        type: bytes.readUInt32LE(at + 4),
        offset: Number(bytes.readBigUInt64LE(at + 0x18)),
        size: Number(bytes.readBigUInt64LE(at + 0x20)),
        link: bytes.readUInt32LE(at + 0x28),
      };
    });
    const data = (i: number): Buffer => bytes.subarray(headers[i]!.offset, headers[i]!.offset + headers[i]!.size);
    const cString = (table: Buffer, at: number): string => table.toString('latin1', at, table.indexOf(0, at));
    this.sections = headers.map((h, i) => ({ name: cString(data(shstrndx), h.name), data: h.type === 8 /* SHT_NOBITS */ ? Buffer.alloc(0) : data(i) }));
    const symtab = headers.findIndex((h) => h.type === 2 /* SHT_SYMTAB */);
    if (symtab < 0) return;
    const strings = data(headers[symtab]!.link);
    const table = data(symtab);
    for (let at = 0; at + 24 <= table.length; at += 24) {
      const name = cString(strings, table.readUInt32LE(at));
      if (name) this.symbols.set(name, { section: table.readUInt16LE(at + 6), value: Number(table.readBigUInt64LE(at + 8)), size: Number(table.readBigUInt64LE(at + 16)) });
    }
  }

  static read(path: string): ElfObject {
    return new ElfObject(readFileSync(path));
  }

  /** The initial bytes of a global variable (a symbol in a data or rodata section). */
  variable(name: string): Buffer {
    const s = this.symbols.get(name);
    if (!s) throw new Error(`no symbol ${name}`);
    return this.sections[s.section]!.data.subarray(s.value, s.value + s.size);
  }
}
