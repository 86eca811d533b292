import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYOUTS, KERNEL_DROP_CAUSES, EventType } from './layout';

/**
 * The TypeScript decoders read the ring-buffer records by the offsets in LAYOUTS; here they are
 * compared with the BTF that clang wrote into the built object, so C and TypeScript cannot drift.
 */
const OBJECT = join(__dirname, '..', 'dist', 'vigil.bpf.o');
const BPFTOOL = existsSync('/usr/sbin/bpftool') ? '/usr/sbin/bpftool' : 'bpftool';

interface BtfType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  type_id?: number;
  nr_elems?: number;
  members?: { name: string; type_id: number; bits_offset: number }[];
  values?: { name: string; val: number }[];
}

function loadBtf(): Map<number, BtfType> {
  const out = execFileSync(BPFTOOL, ['-j', 'btf', 'dump', 'file', OBJECT], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return new Map((JSON.parse(out) as { types: BtfType[] }).types.map((t) => [t.id, t]));
}

function sizeOf(types: Map<number, BtfType>, id: number): number {
  const t = types.get(id)!;
  switch (t.kind) {
    case 'INT':
    case 'STRUCT':
    case 'UNION':
    case 'ENUM':
      return t.size!;
    case 'PTR':
      return 8;
    case 'ARRAY':
      return t.nr_elems! * sizeOf(types, t.type_id!);
    case 'TYPEDEF':
    case 'CONST':
    case 'VOLATILE':
      return sizeOf(types, t.type_id!);
    default:
      throw new Error(`unexpected BTF kind ${t.kind}`);
  }
}

describe('shared struct layout (TypeScript decoders vs. BTF of dist/vigil.bpf.o)', () => {
  it('the object is built', () => {
    expect(existsSync(OBJECT), `${OBJECT} missing: run npm run build -w @vigil/bpf`).toBe(true);
  });

  const types = existsSync(OBJECT) ? loadBtf() : new Map<number, BtfType>();
  const byName = (name: string) => [...types.values()].find((t) => t.name === name && (t.kind === 'STRUCT' || t.kind === 'ENUM'));

  for (const [name, layout] of Object.entries(LAYOUTS)) {
    it(`${name}: size and every field's offset and size match`, () => {
      const t = byName(name);
      expect(t, `struct ${name} not in the object's BTF`).toBeDefined();
      expect(layout.size).toBe(t!.size);
      const btfFields = Object.fromEntries(t!.members!.map((m) => [m.name, { offset: m.bits_offset / 8, size: sizeOf(types, m.type_id) }]));
      expect(layout.fields).toEqual(btfFields);
    });
  }

  it('drop causes match enum vigil_drop_cause', () => {
    const e = byName('vigil_drop_cause');
    expect(e, 'enum vigil_drop_cause not in BTF').toBeDefined();
    const values = Object.fromEntries(e!.values!.map((v) => [v.name, v.val]));
    KERNEL_DROP_CAUSES.forEach((cause, i) => expect(values[`VIGIL_DROP_${cause.toUpperCase()}`], cause).toBe(i));
    expect(values.VIGIL_DROP_MAX).toBe(KERNEL_DROP_CAUSES.length);
  });

  it('record kinds match enum vigil_event_type', () => {
    const e = byName('vigil_event_type');
    expect(e, 'enum vigil_event_type not in BTF').toBeDefined();
    const values = Object.fromEntries(e!.values!.map((v) => [v.name, v.val]));
    for (const [name, val] of Object.entries(EventType).filter(([, v]) => typeof v === 'number')) {
      expect(values[`VIGIL_EV_${name.toUpperCase()}`], name).toBe(val);
    }
    expect(Object.keys(values).length).toBe(Object.keys(EventType).length / 2);
  });
});
