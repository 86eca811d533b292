#!/usr/bin/env node
// Gzipped size of the JavaScript the browser needs before the first screen: the Vite entry chunk and
// every chunk it imports statically (from dist/.vite/manifest.json). Lazy route chunks are listed apart.
// Usage: npm run build -w @vigil/web && node apps/web/scripts/bundle-size.mjs [--json]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = join(import.meta.dirname, '..', 'dist');
/** @type {Record<string, {file: string, isEntry?: boolean, isDynamicEntry?: boolean, imports?: string[], css?: string[], src?: string}>} */
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'));

const sizeOf = (file) => {
  const buf = readFileSync(join(dist, file));
  return { raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
};

/** The chunk keys reachable from `key` through static imports. */
function staticClosure(key, seen = new Set()) {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const dep of manifest[key]?.imports ?? []) staticClosure(dep, seen);
  return seen;
}

const entry = Object.keys(manifest).find((k) => manifest[k].isEntry);
if (!entry) throw new Error('no entry chunk in the manifest: build first (npm run build -w @vigil/web)');
const initial = [...staticClosure(entry)];
const js = initial.map((k) => ({ file: manifest[k].file, ...sizeOf(manifest[k].file) }));
const css = [...new Set(initial.flatMap((k) => manifest[k].css ?? []))].map((file) => ({ file, ...sizeOf(file) }));
const sum = (rows, f) => rows.reduce((n, r) => n + r[f], 0);

// each screen's own cost on first visit: its chunk plus the static imports not already in the initial set
const routes = Object.keys(manifest)
  .filter((k) => manifest[k].isDynamicEntry)
  .map((k) => {
    const extra = [...staticClosure(k)].filter((c) => !initial.includes(c));
    return { route: manifest[k].src ?? k, gzip: extra.reduce((n, c) => n + sizeOf(manifest[c].file).gzip, 0) };
  })
  .sort((a, b) => b.gzip - a.gzip);

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const report = { initialJsGzipBytes: sum(js, 'gzip'), initialJsRawBytes: sum(js, 'raw'), initialCssGzipBytes: sum(css, 'gzip'), chunks: js, routes };
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(`initial JavaScript: ${kib(report.initialJsGzipBytes)} gzipped (${kib(report.initialJsRawBytes)} raw) in ${js.length} chunks`);
  for (const c of js) console.log(`  ${c.file.padEnd(44)} ${kib(c.gzip).padStart(10)} gz`);
  console.log(`initial CSS: ${kib(report.initialCssGzipBytes)} gzipped`);
  console.log('per screen, loaded on first visit (gzipped, beyond the initial set):');
  for (const r of routes) console.log(`  ${r.route.padEnd(60)} ${kib(r.gzip).padStart(10)}`);
}
