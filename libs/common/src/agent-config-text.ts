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
  // A newline in any value would add a line of its own choosing (e.g. a second `api=`) to the file.
  for (const [field, value] of Object.entries(c)) {
    if (typeof value === 'string' && CONTROL.test(value)) throw new Error(`agent config: ${field} contains a control character`);
  }
  const nameProblem = endpointNameProblem(c.name);
  if (nameProblem) throw new Error(`agent config: ${nameProblem}`);
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
    '',
  ].join('\n');
}
