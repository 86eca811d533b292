#!/usr/bin/env node
// Writes Vigil's x86-64 syscall knowledge for every side from two lists in bpf/syscalls/:
//   x86-64.tbl             → bpf/src/bpf/include/vigil_syscalls.h   NR_<name> for the BPF programs
//                          → libs/schemas/src/syscalls-x86-64.generated.ts   names by number (the agent
//                            sends numbers and names them, the analyzer and its tests name them too)
//   argument-records.list  → vigil_syscalls.h   VIGIL_ARG_SYSCALLS(X) (one exit hook per call) and
//                            VIGIL_ARG_SYSCALL_WORDS (the arg_syscalls bitmap, each call in word nr >> 6)
//                          → bpf/src/argument-syscalls.generated.ts   ARG_SYSCALLS for TypeScript
// The numbering used to be kept by hand in several places, and the bitmap's words were placed by
// hand: a call put in the wrong word silently lost its records. Usage: node scripts/gen-syscalls.mjs
// [--out DIR] (DIR defaults to the repository root; src/syscalls-x86-64.spec.ts writes into a
// temporary one and compares with the checked-in files).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TABLE = 'bpf/syscalls/x86-64.tbl';
const ARG_LIST = 'bpf/syscalls/argument-records.list';
const C_HEADER = 'bpf/src/bpf/include/vigil_syscalls.h';
const TS_TABLE = 'libs/schemas/src/syscalls-x86-64.generated.ts';
const TS_ARG_SYSCALLS = 'bpf/src/argument-syscalls.generated.ts';
const BANNER = `GENERATED from ${TABLE} and ${ARG_LIST} by bpf/scripts/gen-syscalls.mjs — do not edit.`;
/** The bitmaps over syscall numbers are 8 words of 64 bits (vigil.bpf.h arg_syscalls, exit_ni). */
const BITMAP_WORDS = 8;

/** Lines without comments and blanks, as [line number, text]. */
function lines(text) {
  return text.split('\n').flatMap((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    return line ? [[i + 1, line]] : [];
  });
}

/** The table's rows as [number, name], checked: ascending unique numbers, unique C-identifier names. */
export function parseTable(text, source = TABLE) {
  const rows = [];
  const names = new Set();
  for (const [at, line] of lines(text)) {
    const m = /^(\d+)\s+([a-z_][a-z0-9_]*)$/.exec(line);
    if (!m) throw new Error(`${source}:${at}: expected "<number> <name>", got "${line}"`);
    const nr = Number(m[1]);
    const name = m[2];
    if (rows.length && nr <= rows[rows.length - 1][0]) throw new Error(`${source}:${at}: ${nr} is not above the number before it`);
    if (names.has(name)) throw new Error(`${source}:${at}: ${name} is listed twice`);
    names.add(name);
    rows.push([nr, name]);
  }
  if (!rows.length) throw new Error(`${source}: no system calls`);
  return rows;
}

/** The calls with argument records as [number, name] in the list's order, checked against the table. */
export function parseArgList(text, rows, source = ARG_LIST) {
  const byName = new Map(rows.map(([nr, name]) => [name, nr]));
  const seen = new Set();
  return lines(text).map(([at, name]) => {
    const nr = byName.get(name);
    if (nr === undefined) throw new Error(`${source}:${at}: ${name} is not in ${TABLE}`);
    if (nr >= BITMAP_WORDS * 64) throw new Error(`${source}:${at}: ${name} (${nr}) is past the bitmap's ${BITMAP_WORDS * 64} bits`);
    if (seen.has(name)) throw new Error(`${source}:${at}: ${name} is listed twice`);
    seen.add(name);
    return [nr, name];
  });
}

/** The C header: one NR_<name> define per call, the X-macro list and the bitmap of calls with argument records. */
export function cHeader(rows, args) {
  const words = Array.from({ length: BITMAP_WORDS }, () => []);
  for (const [nr, name] of [...args].sort((a, b) => a[0] - b[0])) words[nr >> 6].push(name);
  return [
    '/* SPDX-License-Identifier: Apache-2.0 */',
    `/* ${BANNER} */`,
    '/* x86-64 system call numbers (64-bit ABI) as NR_<name>; TypeScript names them from the same table. */',
    '#ifndef VIGIL_SYSCALLS_H',
    '#define VIGIL_SYSCALLS_H',
    '',
    ...rows.map(([nr, name]) => `#define NR_${name} ${nr}`),
    '',
    '/* The calls with argument records, X(name) for each (one exit hook per call, hooks/sys_exit.bpf.c). */',
    '#define VIGIL_ARG_SYSCALLS(X) \\',
    ...args.map(([, name], i) => `\tX(${name})${i < args.length - 1 ? ' \\' : ''}`),
    '',
    '/* Bit nr & 63 of word nr >> 6: the same calls as the initializer of a bitmap over nr < 512. */',
    '#define VIGIL_NR_BIT(nr) (1ULL << ((nr) & 63))',
    '#define VIGIL_ARG_SYSCALL_WORDS { \\',
    ...words.flatMap((names, w) => (names.length ? [`\t[${w}] = ${names.map((n) => `VIGIL_NR_BIT(NR_${n})`).join(' | ')}, \\`] : [])),
    '}',
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

/** The TypeScript list of calls with argument records, in the list's order. */
export function tsArgSyscalls(args) {
  return [
    `// ${BANNER}`,
    '// Regenerate with `npm run gen:syscalls -w @vigil/bpf` (make does it too).',
    '',
    '/** The x86-64 system calls with argument records: the kernel side\'s arg_syscalls bitmap and exit hooks come from the same list. */',
    'export const ARG_SYSCALLS: readonly string[] = [',
    ...args.map(([nr, name]) => `  '${name}', // ${nr}`),
    '];',
    '',
  ].join('\n');
}

/** Every generated file, by its path relative to the repository root. */
export function generateAll(root = REPO) {
  const rows = parseTable(readFileSync(join(root, TABLE), 'utf8'));
  const args = parseArgList(readFileSync(join(root, ARG_LIST), 'utf8'), rows);
  return { [C_HEADER]: cHeader(rows, args), [TS_TABLE]: tsTable(rows), [TS_ARG_SYSCALLS]: tsArgSyscalls(args) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 ? process.argv[at + 1] : REPO;
  if (!out) throw new Error('--out needs a directory');
  for (const [file, text] of Object.entries(generateAll())) {
    mkdirSync(dirname(join(out, file)), { recursive: true });
    writeFileSync(join(out, file), text);
  }
}
