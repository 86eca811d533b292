import { readFileSync } from 'node:fs';
import { parseDuration, parseSize } from '@vigil/common';
import { AgentError } from '../errors/agent-error';

/** The agent's configuration, from the `key=value` file written at enrolment. */
export interface AgentConfig {
  /** Gateway base URL (e.g. http://127.0.0.1:5001). */
  api: string;
  /** Endpoint key (Bearer token). */
  key: string;
  /** Enrolled endpoint id. */
  id: string;
  /** Endpoint name. */
  name: string;
  /** Most processes per batch before a window is split. */
  batchSize: number;
  /** Where batches wait until delivered (and, until the HTTP sender lands, where they are written). */
  spoolDir: string;
  /** Spool cap; the oldest batches are evicted (and counted) beyond it. */
  spoolMaxBytes: number;
  /** CA bundle for an https gateway. */
  caFile: string | undefined;
  /** Skip TLS verification (testing only). */
  insecure: boolean;
  /** Aggregation window. */
  windowMs: number;
  /** k of the k-gram sequence counts (0 disables). */
  ngramK: number;
  /** Kernel ring-buffer size in bytes. */
  ringbufBytes: number;
  /** Port of GET /metrics and /healthz on 127.0.0.1 (0 = off). */
  metricsPort: number;
}

interface KeySpec {
  required: boolean;
  apply: (cfg: Partial<AgentConfig>, value: string) => void;
}

const int = (min: number, max: number) => (v: string): number => {
  if (!/^\d+$/.test(v)) throw new Error(`not an integer: "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new Error(`must be between ${min} and ${max}, got ${n}`);
  return n;
};
const bool = (v: string): boolean => {
  const l = v.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(l)) return true;
  if (['false', '0', 'no', 'off'].includes(l)) return false;
  throw new Error(`not a boolean: "${v}" (use true or false)`);
};
const url = (v: string): string => {
  const u = new URL(v);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`not an http(s) URL: "${v}"`);
  return v.replace(/\/+$/, '');
};
const nonEmpty = (v: string): string => {
  if (!v) throw new Error('must not be empty');
  return v;
};
const powerOfTwo = (v: string): number => {
  const n = parseSize(v);
  if (n < 4096 || (n & (n - 1)) !== 0) throw new Error(`must be a power of two ≥ 4096 bytes, got ${n}`);
  return n;
};

/** Every key the file may contain. */
export const CONFIG_KEYS: Record<string, KeySpec> = {
  api: { required: true, apply: (c, v) => (c.api = url(v)) },
  key: { required: true, apply: (c, v) => (c.key = nonEmpty(v)) },
  id: { required: true, apply: (c, v) => (c.id = nonEmpty(v)) },
  name: { required: true, apply: (c, v) => (c.name = nonEmpty(v)) },
  batch_size: { required: true, apply: (c, v) => (c.batchSize = int(1, 1_000_000)(v)) },
  spool_dir: { required: false, apply: (c, v) => (c.spoolDir = nonEmpty(v)) },
  spool_max_bytes: { required: false, apply: (c, v) => (c.spoolMaxBytes = parseSize(v)) },
  ca_file: { required: false, apply: (c, v) => (c.caFile = nonEmpty(v)) },
  insecure: { required: false, apply: (c, v) => (c.insecure = bool(v)) },
  window: { required: false, apply: (c, v) => (c.windowMs = parseDuration(v)) },
  ngram_k: { required: false, apply: (c, v) => (c.ngramK = int(0, 5)(v)) },
  ringbuf_bytes: { required: false, apply: (c, v) => (c.ringbufBytes = powerOfTwo(v)) },
  metrics_port: { required: false, apply: (c, v) => (c.metricsPort = int(0, 65535)(v)) },
};

export const CONFIG_DEFAULTS: Omit<AgentConfig, 'api' | 'key' | 'id' | 'name' | 'batchSize'> = {
  spoolDir: '/var/lib/vigil/spool',
  spoolMaxBytes: 256 * 1024 * 1024,
  caFile: undefined,
  insecure: false,
  windowMs: 10_000,
  ngramK: 3,
  ringbufBytes: 8 * 1024 * 1024,
  metricsPort: 0,
};

/**
 * Parse the config text. Every problem is collected (with `file:line`) and thrown at once as an
 * AGENT_CONFIG_INVALID error: unknown keys, malformed lines, bad values, duplicates, missing keys.
 */
export function parseAgentConfig(text: string, source = 'config'): AgentConfig {
  const problems: string[] = [];
  const cfg: Partial<AgentConfig> = { ...CONFIG_DEFAULTS };
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      problems.push(`${source}:${lineNo}: expected key=value, got "${line}"`);
      return;
    }
    const k = line.slice(0, eq).trim();
    const v = line.slice(eq + 1).trim();
    const spec = CONFIG_KEYS[k];
    if (!spec) {
      problems.push(`${source}:${lineNo}: unknown key "${k}" (known: ${Object.keys(CONFIG_KEYS).join(', ')})`);
      return;
    }
    const prev = seen.get(k);
    if (prev !== undefined) {
      problems.push(`${source}:${lineNo}: duplicate key "${k}" (first set on line ${prev})`);
      return;
    }
    seen.set(k, lineNo);
    try {
      spec.apply(cfg, v);
    } catch (err) {
      problems.push(`${source}:${lineNo}: ${k}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  for (const [k, spec] of Object.entries(CONFIG_KEYS)) {
    if (spec.required && !seen.has(k)) problems.push(`${source}: missing required key "${k}"`);
  }
  if (problems.length > 0) throw new AgentError('AGENT_CONFIG_INVALID', `invalid agent config:\n  - ${problems.join('\n  - ')}`);
  return cfg as AgentConfig;
}

/** Read and parse a config file. */
export function loadAgentConfig(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AgentError('AGENT_CONFIG_INVALID', `cannot read config file ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return parseAgentConfig(text, path);
}
