import { closeSync, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { DEFAULT_PROBE_OPTIONS } from '@vigil/bpf';
import { parseDuration, parseSize } from '@vigil/common';
import { AgentError } from '../errors/agent-error';

/** The agent's configuration, from the `key=value` file written at enrolment. */
export interface AgentConfig {
  /** Gateway base URL (https://…; http://… only with insecure_http=true). */
  api: string;
  /** Endpoint key (Bearer token). */
  key: string;
  /** Enrolled endpoint id. */
  id: string;
  /** Endpoint name. */
  name: string;
  /** Most processes per batch before a window is split. */
  batchSize: number;
  /** Where batches wait until delivered (plus the persisted sequence number and eviction count). */
  spoolDir: string;
  /** Spool cap; the oldest batches are evicted (and counted) beyond it. */
  spoolMaxBytes: number;
  /** PEM CA bundle the gateway certificate must chain to (replaces the system store); read at start. */
  tlsCa: { path: string; pem: string } | undefined;
  /** Explicit opt-in to plain http:// (local tests only). TLS verification itself is never switched off. */
  insecureHttp: boolean;
  /** Aggregation window. */
  windowMs: number;
  /** k of the k-gram sequence counts (0 disables). */
  ngramK: number;
  /** Kernel ring-buffer size in bytes. */
  ringbufBytes: number;
  /** Port of GET /metrics and /healthz on 127.0.0.1 (0 = off). */
  metricsPort: number;
  /** Send records a rule can match at once (execs, security records, sensitive opens, inet network calls) instead of at window end. */
  urgent: boolean;
  /** How long urgent records are gathered into one batch after the first of them. */
  urgentBatchMs: number;
  /** Urgent records per second per process (burst: one second's worth); beyond it they wait for the window. */
  urgentProcessRate: number;
  /** Urgent records per second for the whole host. */
  urgentGlobalRate: number;
  /** Extra path prefixes whose reads are urgent (`*` = one path component), beyond the built-in list. */
  urgentPaths: string[];
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

const boundedDuration = (min: number, max: number) => (v: string): number => {
  const n = parseDuration(v);
  if (n < min || n > max) throw new Error(`must be between ${min} ms and ${max} ms, got ${n} ms`);
  return n;
};
/** Comma-separated absolute path prefixes. */
const pathList = (v: string): string[] => {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = list.filter((s) => !s.startsWith('/'));
  if (bad.length > 0) throw new Error(`not absolute paths: ${bad.join(', ')}`);
  return list;
};

/** A PEM file with at least one parseable certificate (the CA bundle for the gateway). */
const caBundle = (v: string): { path: string; pem: string } => {
  let pem: string;
  try {
    pem = readFileSync(nonEmpty(v), 'utf8');
  } catch (err) {
    throw new Error(`cannot read CA file "${v}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`"${v}" holds no PEM certificate`);
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (err) {
      throw new Error(`"${v}" holds an unreadable certificate: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { path: v, pem };
};

/** Keys of earlier versions, with what replaced them (named in the error instead of "unknown key"). */
const RENAMED: Record<string, string> = {
  ca_file: 'tls_ca',
  insecure: 'insecure_http (which only allows plain http; certificate checks cannot be turned off)',
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
  tls_ca: { required: false, apply: (c, v) => (c.tlsCa = caBundle(v)) },
  insecure_http: { required: false, apply: (c, v) => (c.insecureHttp = bool(v)) },
  window: { required: false, apply: (c, v) => (c.windowMs = parseDuration(v)) },
  ngram_k: { required: false, apply: (c, v) => (c.ngramK = int(0, 5)(v)) },
  ringbuf_bytes: { required: false, apply: (c, v) => (c.ringbufBytes = powerOfTwo(v)) },
  metrics_port: { required: false, apply: (c, v) => (c.metricsPort = int(0, 65535)(v)) },
  urgent: { required: false, apply: (c, v) => (c.urgent = bool(v)) },
  urgent_batch: { required: false, apply: (c, v) => (c.urgentBatchMs = boundedDuration(0, 5_000)(v)) },
  urgent_process_rate: { required: false, apply: (c, v) => (c.urgentProcessRate = int(1, 100_000)(v)) },
  urgent_global_rate: { required: false, apply: (c, v) => (c.urgentGlobalRate = int(1, 1_000_000)(v)) },
  urgent_paths: { required: false, apply: (c, v) => (c.urgentPaths = pathList(v)) },
};

export const CONFIG_DEFAULTS: Omit<AgentConfig, 'api' | 'key' | 'id' | 'name' | 'batchSize'> = {
  spoolDir: '/var/lib/vigil/spool',
  spoolMaxBytes: 256 * 1024 * 1024,
  tlsCa: undefined,
  insecureHttp: false,
  windowMs: 10_000,
  // the probe's own defaults (one owner: @vigil/bpf's DEFAULT_PROBE_OPTIONS)
  ngramK: DEFAULT_PROBE_OPTIONS.ngramK,
  ringbufBytes: DEFAULT_PROBE_OPTIONS.ringbufBytes,
  metricsPort: 0,
  urgent: true,
  urgentBatchMs: 250,
  urgentProcessRate: 20,
  urgentGlobalRate: 200,
  urgentPaths: [],
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
    if (!spec && RENAMED[k]) {
      problems.push(`${source}:${lineNo}: key "${k}" was renamed: use ${RENAMED[k]}`);
      return;
    }
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
  // Plain http would send the endpoint key and every batch in clear: only with the explicit opt-in.
  const apiLine = seen.get('api');
  if (cfg.api?.startsWith('http:') && !cfg.insecureHttp) {
    problems.push(
      `${source}:${apiLine}: api: plain http:// refused (the endpoint key and telemetry would cross the network in clear): use https:// (tls_ca=<CA file> for a private CA) or add insecure_http=true for a local test`,
    );
  }
  if (cfg.tlsCa && cfg.api?.startsWith('http:')) problems.push(`${source}:${seen.get('tls_ca')}: tls_ca is set but api (line ${apiLine}) is plain http://`);
  if (problems.length > 0) throw new AgentError('AGENT_CONFIG_INVALID', `invalid agent config:\n  - ${problems.join('\n  - ')}`);
  return cfg as AgentConfig;
}

/**
 * Why the config file may not be trusted, or undefined when it may: the file decides where the agent
 * (root) sends every process's activity and which CA it trusts, so anyone able to write it owns the
 * agent. It must be owned by root or by the agent's own user and writable by nobody else.
 */
export function configFileProblem(st: Pick<Stats, 'uid' | 'mode'>, path: string, euid = process.geteuid?.() ?? 0): string | undefined {
  if (st.uid !== 0 && st.uid !== euid) {
    return `config file ${path} is owned by uid ${st.uid}, not by root or the agent's user (uid ${euid}): another user could rewrite it (chown root ${path})`;
  }
  const perms = st.mode & 0o777;
  if ((perms & 0o022) !== 0) {
    const who = (perms & 0o002) !== 0 ? 'any user' : 'its group';
    return `config file ${path} is writable by ${who} (mode ${perms.toString(8).padStart(4, '0')}): it sets where telemetry goes and which CA is trusted (chmod 600 ${path})`;
  }
  return undefined;
}

/**
 * Read and parse a config file, refusing one that others can write or that another user owns. The
 * check is on the opened descriptor (fstat), so the file read is the file checked.
 */
export function loadAgentConfig(path: string): AgentConfig {
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const problem = configFileProblem(fstatSync(fd), path);
    if (problem) throw new AgentError('AGENT_CONFIG_UNSAFE', `refusing the agent config: ${problem}`);
    text = readFileSync(fd, 'utf8');
  } catch (err) {
    if (err instanceof AgentError) throw err;
    throw new AgentError('AGENT_CONFIG_INVALID', `cannot read config file ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return parseAgentConfig(text, path);
}
