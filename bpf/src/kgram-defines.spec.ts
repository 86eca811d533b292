import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KGRAM_BITS, KGRAM_CODE_OTHER, KGRAM_MAX_K } from '@vigil/schemas';
import { describe, expect, it } from 'vitest';

/**
 * The kernel computes the k-gram hash with the constants of vigil_events.h; user space decodes it
 * with those of libs/schemas (the one TypeScript owner). A changed side fails here, without a kernel
 * (the kernel's hashes themselves are checked against the shared fixture by the integration test).
 */
const HEADER = readFileSync(join(__dirname, 'bpf', 'include', 'vigil_events.h'), 'utf8');

function define(name: string): number {
  const m = new RegExp(`^#define ${name} (\\d+)\\b`, 'm').exec(HEADER);
  if (!m) throw new Error(`vigil_events.h has no #define ${name}`);
  return Number(m[1]);
}

describe('vigil_events.h k-gram constants', () => {
  it('match libs/schemas kgram-hash.ts', () => {
    expect({ bits: define('VIGIL_NGRAM_BITS'), maxK: define('VIGIL_NGRAM_MAX_K'), other: define('VIGIL_NGRAM_CODE_OTHER') }).toEqual({
      bits: KGRAM_BITS,
      maxK: KGRAM_MAX_K,
      other: KGRAM_CODE_OTHER,
    });
  });
});
