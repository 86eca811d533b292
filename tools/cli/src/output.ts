import { maskUrl } from '@vigil/common';
import type { ComponentStatus } from './stack/component';

/** Aligned status table for humans; `--json` prints the objects instead. */
export function printStatus(input: ComponentStatus[]): void {
  // Passwords stay out of the table (and terminal scrollback); `--json` carries the full local URLs.
  const rows = input.map((r) => ({ ...r, url: maskUrl(r.url) }));
  const mark = (s: ComponentStatus['state']): string => (s === 'healthy' ? '●' : s === 'unhealthy' ? '▲' : '○');
  const w = (k: keyof ComponentStatus): number => Math.max(...rows.map((r) => String(r[k] ?? '').length), String(k).length);
  const [wn, ws, wv] = [w('name'), w('state'), w('version')];
  console.log(`  ${'NAME'.padEnd(wn)}  ${'STATE'.padEnd(ws)}  ${'VERSION'.padEnd(wv)}  ADDRESS`);
  for (const r of rows) {
    console.log(`${mark(r.state)} ${r.name.padEnd(wn)}  ${r.state.padEnd(ws)}  ${r.version.padEnd(wv)}  ${r.url}`);
    if (r.state !== 'healthy' && r.detail) console.log(r.detail.replace(/^/gm, '      '));
  }
}
