import { VigilError } from './errors';

/** Raised once at start-up with every configuration problem listed, never one at a time. */
export class ConfigError extends VigilError {
  constructor(readonly problems: string[]) {
    super('CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parse durations like `250ms`, `90s`, `15m`, `7d` (a bare number is seconds) into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (!match) throw new Error(`not a duration: "${text}" (expected e.g. 500ms, 90s, 15m, 2h, 7d)`);
  return Math.round(Number(match[1]) * UNITS_MS[match[2] ?? 's']!);
}

/** Parse sizes like `512`, `64KiB`, `10MiB`, `1GiB` (also kB/MB/GB as powers of 1000) into bytes. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|kB|KB|MB|GB)?\s*$/.exec(text);
  if (!match) throw new Error(`not a size: "${text}" (expected e.g. 512KiB, 64MiB, 1GiB)`);
  const mult: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, kB: 1000, KB: 1000, MB: 1e6, GB: 1e9 };
  return Math.round(Number(match[1]) * mult[match[2] ?? 'B']!);
}

/** Replace the password in a URL for display (`postgres://vigil:***@host/db`). */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}

type Reader<T> = (raw: string, name: string) => T;

/**
 * Collects typed values from an environment-like map and every problem with them, so that a
 * service fails once at start-up with the whole list.
 */
export class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Record<string, string | undefined>) {}

  private read<T>(name: string, fallback: T | undefined, parse: Reader<T>): T {
    const raw = this.env[name];
    if (raw === undefined || raw === '') {
      if (fallback === undefined) {
        this.problems.push(`${name} is required`);
        return undefined as T;
      }
      return fallback;
    }
    try {
      return parse(raw, name);
    } catch (err) {
      this.problems.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      return fallback as T;
    }
  }

  string(name: string, fallback?: string): string {
    return this.read(name, fallback, (raw) => raw);
  }

  int(name: string, fallback?: number, range: { min?: number; max?: number } = {}): number {
    return this.read(name, fallback, (raw) => {
      if (!/^-?\d+$/.test(raw.trim())) throw new Error(`not an integer: "${raw}"`);
      const value = Number(raw);
      if (range.min !== undefined && value < range.min) throw new Error(`must be ≥ ${range.min}, got ${value}`);
      if (range.max !== undefined && value > range.max) throw new Error(`must be ≤ ${range.max}, got ${value}`);
      return value;
    });
  }

  bool(name: string, fallback?: boolean): boolean {
    return this.read(name, fallback, (raw) => {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      throw new Error(`not a boolean: "${raw}" (use true/false)`);
    });
  }

  durationMs(name: string, fallback?: string): number {
    return this.read(name, fallback === undefined ? undefined : parseDuration(fallback), (raw) => parseDuration(raw));
  }

  sizeBytes(name: string, fallback?: string): number {
    return this.read(name, fallback === undefined ? undefined : parseSize(fallback), (raw) => parseSize(raw));
  }

  list(name: string, fallback?: string[]): string[] {
    return this.read(name, fallback, (raw) => raw.split(',').map((s) => s.trim()).filter(Boolean));
  }

  url(name: string, fallback?: string): string {
    return this.read(name, fallback, (raw) => {
      new URL(raw);
      return raw;
    });
  }

  /** Throw a {@link ConfigError} listing every problem, if there were any. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
