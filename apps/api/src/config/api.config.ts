import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { DEFAULTS, EnvReader, maskUrl } from '@vigil/common';

/** The TOTP key from its file (owner-only) or variable: base64 of exactly 32 bytes. */
function readTotpKey(file: string, value: string, problems: string[]): Buffer | undefined {
  if (file && value) {
    problems.push('VIGIL_TOTP_KEY_FILE and VIGIL_TOTP_KEY: set one, not both');
    return undefined;
  }
  let text = value;
  const name = file ? 'VIGIL_TOTP_KEY_FILE' : 'VIGIL_TOTP_KEY';
  if (file) {
    try {
      const mode = statSync(file).mode & 0o777;
      if (mode & 0o077) problems.push(`VIGIL_TOTP_KEY_FILE: ${file} is readable by others (mode 0${mode.toString(8)}): chmod 600 it`);
      text = readFileSync(file, 'utf8').trim();
    } catch (err) {
      problems.push(`VIGIL_TOTP_KEY_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      return undefined;
    }
  }
  if (!text) return undefined;
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    problems.push(`${name}: base64 of 32 random bytes expected (e.g. openssl rand -base64 32), got ${key.length} bytes`);
    return undefined;
  }
  return key;
}

/** Validated configuration of the API, parsed once at start-up (every problem listed at once). */
export class ApiConfig {
  /** VIGIL_API_HOST / VIGIL_API_PORT: where the HTTP server listens (loopback by default). */
  readonly host: string;
  readonly port: number;
  /** VIGIL_DATABASE_URL: PostgreSQL connection string (holds credentials: never log unmasked). */
  readonly databaseUrl: string;
  /** VIGIL_GATEWAY_URL: written into generated agent config files as `api`. */
  readonly gatewayUrl: string;
  /** VIGIL_WEB_DIST: the built web UI served at / (SPA); default apps/web/dist of this checkout. Absent = API only. */
  readonly webDist: string;
  /** VIGIL_LOG_LEVEL */
  readonly logLevel: string;
  /** VIGIL_API_COOKIE_SECURE: set the Secure flag on the session cookie (behind TLS). */
  readonly cookieSecure: boolean;
  /**
   * VIGIL_TRUSTED_PROXIES: comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For
   * and X-Forwarded-Proto are believed (empty by default: the socket's address is the client's).
   */
  readonly trustedProxies: string[];
  /** VIGIL_API_TLS_CERT / VIGIL_API_TLS_KEY: PEM files; when both are set the API serves https itself. */
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  /** VIGIL_API_OPS_PORT: also serve /metrics without a session on 127.0.0.1 at this port (0 = off). */
  readonly opsPort: number;
  /** VIGIL_SESSION_IDLE_TIMEOUT / VIGIL_SESSION_MAX_AGE: idle and absolute session expiry. */
  readonly sessionIdleMs: number;
  readonly sessionMaxAgeMs: number;
  /** VIGIL_STREAM_SESSION_RECHECK: how often an open SSE stream re-checks that its session is still live. */
  readonly streamSessionRecheckMs: number;
  /**
   * Login throttling (progressive delay, never a hard lock): failures allowed without delay per
   * (account, source address) and per source address; the first delay, doubled with each further
   * failure up to the ceiling; failures are forgotten after a window without one.
   */
  readonly loginFreeFailuresPerAccountAddress: number;
  readonly loginFreeFailuresPerAddress: number;
  readonly loginDelayBaseMs: number;
  readonly loginDelayMaxMs: number;
  readonly loginFailureWindowMs: number;
  /** VIGIL_REAUTH_WINDOW: admin actions need a password (or TOTP) re-entry this recent. */
  readonly reauthWindowMs: number;
  /** VIGIL_TOTP_ISSUER: issuer shown in authenticator apps. */
  readonly totpIssuer: string;
  /**
   * VIGIL_TOTP_KEY_FILE (a 0600 file) or VIGIL_TOTP_KEY: 32 bytes, base64, the AES-256-GCM key of the
   * TOTP secrets at rest. Absent: no second factor can be enrolled (secrets stored in clear by an
   * older version are still read, and a warning is logged).
   */
  readonly totpKey: Buffer | undefined;
  /** Defaults written into generated agent config files: VIGIL_AGENT_BATCH_SIZE, VIGIL_AGENT_SPOOL_DIR, VIGIL_AGENT_SPOOL_MAX. */
  readonly agentBatchSize: number;
  readonly agentSpoolDir: string;
  readonly agentSpoolMax: string;

  constructor(env: Record<string, string | undefined>) {
    const r = new EnvReader(env);
    this.host = r.string('VIGIL_API_HOST', '127.0.0.1');
    this.port = r.int('VIGIL_API_PORT', 3000, { min: 0, max: 65535 });
    this.databaseUrl = r.url('VIGIL_DATABASE_URL');
    this.gatewayUrl = r.url('VIGIL_GATEWAY_URL', DEFAULTS.gatewayUrl).replace(/\/+$/, '');
    // src/config and dist/config are both three levels below apps/.
    this.webDist = r.string('VIGIL_WEB_DIST', join(__dirname, '..', '..', '..', 'web', 'dist'));
    this.logLevel = r.string('VIGIL_LOG_LEVEL', 'info');
    this.cookieSecure = r.bool('VIGIL_API_COOKIE_SECURE', false);
    this.trustedProxies = r
      .string('VIGIL_TRUSTED_PROXIES', '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    for (const p of this.trustedProxies) {
      const [addr, bits, extra] = p.split('/');
      const family = isIP(addr ?? '');
      const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
      if (!family || !okBits || extra !== undefined) r.problems.push(`VIGIL_TRUSTED_PROXIES: "${p}" is not an IP address or CIDR`);
    }
    if (env.VIGIL_API_TRUST_PROXY !== undefined) r.problems.push('VIGIL_API_TRUST_PROXY is gone (it trusted every client): list the proxy addresses in VIGIL_TRUSTED_PROXIES');
    this.tlsCertFile = r.string('VIGIL_API_TLS_CERT', '') || undefined;
    this.tlsKeyFile = r.string('VIGIL_API_TLS_KEY', '') || undefined;
    if (Boolean(this.tlsCertFile) !== Boolean(this.tlsKeyFile)) r.problems.push('VIGIL_API_TLS_CERT and VIGIL_API_TLS_KEY go together');
    this.opsPort = r.int('VIGIL_API_OPS_PORT', 0, { min: 0, max: 65535 });
    this.sessionIdleMs = r.durationMs('VIGIL_SESSION_IDLE_TIMEOUT', '30m');
    this.sessionMaxAgeMs = r.durationMs('VIGIL_SESSION_MAX_AGE', '12h');
    this.streamSessionRecheckMs = r.durationMs('VIGIL_STREAM_SESSION_RECHECK', '10s');
    this.loginFreeFailuresPerAccountAddress = r.int('VIGIL_LOGIN_FREE_FAILURES', 5, { min: 1 });
    this.loginFreeFailuresPerAddress = r.int('VIGIL_LOGIN_FREE_FAILURES_PER_ADDRESS', 20, { min: 1 });
    this.loginDelayBaseMs = r.durationMs('VIGIL_LOGIN_DELAY', '1s');
    this.loginDelayMaxMs = r.durationMs('VIGIL_LOGIN_DELAY_MAX', '5m');
    this.loginFailureWindowMs = r.durationMs('VIGIL_LOGIN_FAILURE_WINDOW', '15m');
    this.reauthWindowMs = r.durationMs('VIGIL_REAUTH_WINDOW', '10m');
    this.totpIssuer = r.string('VIGIL_TOTP_ISSUER', 'Vigil');
    this.totpKey = readTotpKey(r.string('VIGIL_TOTP_KEY_FILE', ''), r.string('VIGIL_TOTP_KEY', ''), r.problems);
    for (const name of ['VIGIL_LOGIN_MAX_FAILURES_PER_ACCOUNT', 'VIGIL_LOGIN_MAX_FAILURES_PER_ADDRESS', 'VIGIL_LOGIN_LOCKOUT']) {
      if (env[name] !== undefined) r.problems.push(`${name} is gone (no more hard lockouts): see VIGIL_LOGIN_FREE_FAILURES, VIGIL_LOGIN_DELAY, VIGIL_LOGIN_DELAY_MAX`);
    }
    if (this.loginDelayBaseMs > this.loginDelayMaxMs) r.problems.push('VIGIL_LOGIN_DELAY must not exceed VIGIL_LOGIN_DELAY_MAX');
    this.agentBatchSize = r.int('VIGIL_AGENT_BATCH_SIZE', 500, { min: 1 });
    this.agentSpoolDir = r.string('VIGIL_AGENT_SPOOL_DIR', '/var/lib/vigil/spool');
    this.agentSpoolMax = r.string('VIGIL_AGENT_SPOOL_MAX', '256MiB');
    r.sizeBytes('VIGIL_AGENT_SPOOL_MAX', '256MiB');
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(this.logLevel)) {
      r.problems.push(`VIGIL_LOG_LEVEL: unknown level "${this.logLevel}"`);
    }
    if (this.sessionIdleMs > this.sessionMaxAgeMs) r.problems.push('VIGIL_SESSION_IDLE_TIMEOUT must not exceed VIGIL_SESSION_MAX_AGE');
    r.done();
  }

  /** The process environment's configuration (the only place that reads process.env). */
  static fromProcessEnv(): ApiConfig {
    return new ApiConfig(process.env);
  }

  /** Safe to log: credentials masked. */
  describe(): Record<string, unknown> {
    return { host: this.host, port: this.port, databaseUrl: maskUrl(this.databaseUrl), gatewayUrl: this.gatewayUrl, cookieSecure: this.cookieSecure, trustedProxies: this.trustedProxies, tls: Boolean(this.tlsCertFile), opsPort: this.opsPort, totpKey: this.totpKey ? 'set' : 'none' };
  }
}
