#!/usr/bin/env node
// Writes the x86-64 syscall numbering for both sides from the one table, syscalls/x86-64.tbl:
//   src/bpf/include/vigil_syscalls.h      NR_<name> for the BPF programs
//   src/syscalls-x86-64.generated.ts      names by number for the TypeScript facade
// The numbering used to be kept by hand in both places, and a call added to one was missing in
// the other. Usage: node scripts/gen-syscalls.mjs [--out DIR] (DIR defaults to the package root;
// src/syscalls-x86-64.spec.ts writes into a temporary one and compares with the checked-in files).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TABLE = 'syscalls/x86-64.tbl';
const C_HEADER = 'src/bpf/include/vigil_syscalls.h';
const TS_TABLE = 'src/syscalls-x86-64.generated.ts';
const BANNER = `GENERATED from bpf/${TABLE} by bpf/scripts/gen-syscalls.mjs — do not edit.`;

/** The table's rows as [number, name], checked: ascending unique numbers, unique C-identifier names. */
export function parseTable(text, source = TABLE) {
  const rows = [];
  const names = new Set();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const m = /^(\d+)\s+([a-z_][a-z0-9_]*)$/.exec(line);
    if (!m) throw new Error(`${source}:${i + 1}: expected "<number> <name>", got "${raw}"`);
    const nr = Number(m[1]);
    const name = m[2];
    if (rows.length && nr <= rows[rows.length - 1][0]) throw new Error(`${source}:${i + 1}: ${nr} is not above the number before it`);
    if (names.has(name)) throw new Error(`${source}:${i + 1}: ${name} is listed twice`);
    names.add(name);
    rows.push([nr, name]);
  });
  if (!rows.length) throw new Error(`${source}: no system calls`);
  return rows;
}

/** The C header: one NR_<name> define per call. */
export function cHeader(rows) {
  return [
    '/* SPDX-License-Identifier: Apache-2.0 */',
    `/* ${BANNER} */`,
    '/* x86-64 system call numbers (64-bit ABI) as NR_<name>; TypeScript names them from the same table. */',
    '#ifndef VIGIL_SYSCALLS_H',
    '#define VIGIL_SYSCALLS_H',
    '',
    ...rows.map(([nr, name]) => `#define NR_${name} ${nr}`),
    '',
    '#endif',
    '',
  ].join('\n');
}

/** The TypeScript table: names by number, undefined where no call has the number. */
export function tsTable(rows) {
  const byNr = new Map(rows);
  const last = rows[rows.length - 1][0];
  const entries = [];
  for (let nr = 0; nr <= last; nr++) entries.push(`  ${byNr.has(nr) ? `'${byNr.get(nr)}'` : 'undefined'}, // ${nr}`);
  return [
    `// ${BANNER}`,
    '// Regenerate with `npm run gen:syscalls -w @vigil/bpf` (make does it too).',
    '',
    '/** x86-64 system call names by number (undefined: no call has that number). */',
    'export const X86_64_SYSCALLS: readonly (string | undefined)[] = [',
    ...entries,
    '];',
    '',
  ].join('\n');
}

/** Every generated file, by its path relative to the package root. */
export function generateAll(root = ROOT) {
  const rows = parseTable(readFileSync(join(root, TABLE), 'utf8'));
  return { [C_HEADER]: cHeader(rows), [TS_TABLE]: tsTable(rows) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 ? process.argv[at + 1] : ROOT;
  if (!out) throw new Error('--out needs a directory');
  for (const [file, text] of Object.entries(generateAll())) {
    mkdirSync(dirname(join(out, file)), { recursive: true });
    writeFileSync(join(out, file), text);
  }
}
