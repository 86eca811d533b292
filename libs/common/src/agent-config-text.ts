import { parseSize } from './config';

/** What goes into an enrolled endpoint's agent config file. */
export interface AgentConfigTextInput {
  /** Gateway base URL written as `api`. */
  api: string;
  key: string;
  id: string;
  name: string;
  batchSize: number;
  spoolDir: string;
  /** As written (e.g. `256MiB`). */
  spoolMaxBytes: string;
  /** First comment line: who wrote the file and when. */
  origin: string;
  /** CA bundle path written as `tls_ca` (else a commented example for https). */
  tlsCa?: string;
  /** Port of the agent's /metrics and /healthz on 127.0.0.1, written as `metrics_port` (else the agent's default: off). */
  metricsPort?: number;
}

/** Endpoint names: letters, digits and . _ - (what the API accepts), so nothing else reaches a config file or a log line. */
export const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Why `name` cannot be an endpoint name, or undefined when it can. */
export function endpointNameProblem(name: string): string | undefined {
  return ENDPOINT_NAME.test(name) ? undefined : 'name: 1-128 characters from letters, digits and . _ -, starting with a letter or digit';
}

/** Control characters (C0, DEL, C1) and Unicode line/paragraph separators: never inside a config value. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/** True for a URL whose host is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The agent config file text (`key=value` lines, `#` comments; CONTRACTS.md "Agent config file"),
 * the one renderer behind `./vigil endpoint add` and the API's enrolment. Plain http is written
 * with `insecure_http=true` only for a loopback gateway (the local `./vigil up`); for any other
 * http URL the line stays commented, so the agent refuses to send the key in clear until an
 * operator decides otherwise.
 */
export function renderAgentConfigText(c: AgentConfigTextInput): string {
  const problems: string[] = [];
  // A newline in any value would add a line of its own choosing (e.g. a second `api=`) to the file.
  for (const [field, value] of Object.entries(c)) {
    if (typeof value === 'string' && CONTROL.test(value)) problems.push(`${field} contains a control character`);
  }
  const nameProblem = endpointNameProblem(c.name);
  if (nameProblem) problems.push(nameProblem);
  if (!/^https?:\/\/[^\s]+$/.test(c.api) || !URL.canParse(c.api)) problems.push(`api: not an http(s) URL: ${JSON.stringify(c.api)}`);
  if (!c.key || /\s/.test(c.key)) problems.push('key: empty or with whitespace');
  if (!c.id || /\s/.test(c.id)) problems.push('id: empty or with whitespace');
  if (!Number.isInteger(c.batchSize) || c.batchSize < 1 || c.batchSize > 1_000_000) problems.push(`batch_size: an integer from 1 to 1000000, got ${c.batchSize}`);
  if (!c.spoolDir.startsWith('/')) problems.push(`spool_dir: not an absolute path: ${JSON.stringify(c.spoolDir)}`);
  try {
    parseSize(c.spoolMaxBytes);
  } catch (err) {
    problems.push(`spool_max_bytes: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (c.tlsCa !== undefined && !c.tlsCa.startsWith('/')) problems.push(`tls_ca: not an absolute path: ${JSON.stringify(c.tlsCa)}`);
  if (c.metricsPort !== undefined && (!Number.isInteger(c.metricsPort) || c.metricsPort < 0 || c.metricsPort > 65_535)) problems.push(`metrics_port: an integer from 0 to 65535, got ${c.metricsPort}`);
  if (problems.length > 0) throw new Error(`agent config: ${problems.join('; ')}`);
  const api = c.api.replace(/\/+$/, '');
  const http = api.startsWith('http:');
  const transport: string[] = http
    ? isLoopbackHost(api)
      ? ['# Plain http to a loopback gateway (local use only); remove with an https:// api.', 'insecure_http=true']
      : ['# Plain http is refused unless you opt in (the key would cross the network in clear); prefer https://.', '# insecure_http=true']
    : c.tlsCa
      ? ['# CA bundle the gateway certificate must chain to (instead of the system store).', `tls_ca=${c.tlsCa}`]
      : ['# CA bundle for a gateway whose certificate is from a private CA (e.g. Caddy `tls internal`):', '# tls_ca=/etc/vigil/ca.pem'];
  return [
    `# ${c.origin}`,
    "# Holds this endpoint's secret key: keep it readable by root only (chmod 600).",
    `api=${api}`,
    `id=${c.id}`,
    `name=${c.name}`,
    `key=${c.key}`,
    ...transport,
    '# Most processes per batch before a window is split.',
    `batch_size=${c.batchSize}`,
    '# Batches wait here while the gateway is unreachable; beyond spool_max_bytes the oldest are evicted (and counted).',
    `spool_dir=${c.spoolDir}`,
    `spool_max_bytes=${c.spoolMaxBytes}`,
    ...(c.metricsPort !== undefined ? ['# GET /metrics and /healthz on 127.0.0.1 (0: off).', `metrics_port=${c.metricsPort}`] : []),
    '',
  ].join('\n');
}

/** One `key=value` line of an agent config file: a lowercase key of letters, digits and `_`. */
const LINE = /^([a-z][a-z0-9_]*)=(.*)$/;

/**
 * The settings of an agent config file text (`key=value` lines; blank lines and `#` comments skipped),
 * for tools that read a file enrolment wrote (the agent itself validates every key and value). A line
 * that is not `key=value`, or a key set twice, is an error naming the line.
 */
export function readAgentConfigText(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    if (!m) throw new Error(`agent config line ${i + 1}: expected key=value`);
    if (settings.has(m[1]!)) throw new Error(`agent config line ${i + 1}: ${m[1]} is set twice`);
    settings.set(m[1]!, m[2]!.trim());
  });
  return settings;
}

/**
 * The config text with `key` set to `value`: its line replaced where the key is set, else the line
 * (after a `# comment`, when given) appended. Comments and every other line stay as they are. The key
 * must be a plain config key and the value one line: nothing can add a line of its own choosing.
 */
export function setAgentConfigValue(text: string, key: string, value: string, comment?: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(key)) throw new Error(`agent config: not a config key: ${JSON.stringify(key)}`);
  if (CONTROL.test(value) || (comment !== undefined && CONTROL.test(comment))) throw new Error(`agent config: ${key} contains a control character`);
  readAgentConfigText(text); // refuse to edit a file that is not a config file
  const lines = text.replace(/\n$/, '').split('\n');
  const at = lines.findIndex((l) => LINE.exec(l.trim())?.[1] === key);
  if (at >= 0) lines[at] = `${key}=${value}`;
  else lines.push(...(comment !== undefined ? [`# ${comment}`] : []), `${key}=${value}`);
  return `${lines.join('\n')}\n`;
}
