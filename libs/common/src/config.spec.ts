import { describe, expect, it } from 'vitest';
import { ConfigError, EnvReader, maskUrl, parseDuration, parseSize } from './config';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1.5s', 1500],
    ['30', 30_000],
  ])('%s → %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it('rejects nonsense with the expected forms', () => {
    expect(() => parseDuration('soon')).toThrow(/not a duration: "soon".*90s/);
    expect(() => parseDuration('-5s')).toThrow(/not a duration/);
  });
});

describe('parseSize', () => {
  it('understands binary and decimal units', () => {
    expect(parseSize('512')).toBe(512);
    expect(parseSize('64KiB')).toBe(65_536);
    expect(parseSize('10MiB')).toBe(10 * 1024 * 1024);
    expect(parseSize('1GB')).toBe(1e9);
    expect(() => parseSize('lots')).toThrow(/not a size/);
  });
});

describe('EnvReader', () => {
  it('reports every problem at once, not the first', () => {
    const env = new EnvReader({ PORT: 'eighty', LEARN: 'forever', DEBUG: 'maybe', LIMIT: '5' });
    env.int('PORT', 80);
    env.durationMs('LEARN', '7d');
    env.bool('DEBUG', false);
    env.int('LIMIT', 10, { min: 10 });
    env.string('REQUIRED');
    expect(() => env.done()).toThrow(ConfigError);
    expect(env.problems).toEqual([
      'PORT: not an integer: "eighty"',
      'LEARN: not a duration: "forever" (expected e.g. 500ms, 90s, 15m, 2h, 7d)',
      'DEBUG: not a boolean: "maybe" (use true/false)',
      'LIMIT: must be ≥ 10, got 5',
      'REQUIRED is required',
    ]);
  });

  it('uses defaults for absent or empty values and parses present ones', () => {
    const env = new EnvReader({ A: '', B: '42', C: 'a, b,,c', D: 'on' });
    expect(env.int('A', 7)).toBe(7);
    expect(env.int('B', 7)).toBe(42);
    expect(env.list('C')).toEqual(['a', 'b', 'c']);
    expect(env.bool('D', false)).toBe(true);
    expect(env.durationMs('E', '90s')).toBe(90_000);
    expect(() => env.done()).not.toThrow();
  });
});

describe('maskUrl', () => {
  it('hides the password of a database URL', () => {
    expect(maskUrl('postgres://vigil:s3cret@127.0.0.1:5432/vigil')).toBe('postgres://vigil:***@127.0.0.1:5432/vigil');
    expect(maskUrl('http://127.0.0.1:8081')).toBe('http://127.0.0.1:8081');
  });
});
