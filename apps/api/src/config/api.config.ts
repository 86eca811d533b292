import { join } from 'node:path';
import { DEFAULTS, EnvReader, maskUrl } from '@vigil/common';

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
  /** VIGIL_API_TRUST_PROXY: trust X-Forwarded-* from a reverse proxy (source address for throttling, TLS detection). */
  readonly trustProxy: boolean;
  /** VIGIL_SESSION_IDLE_TIMEOUT / VIGIL_SESSION_MAX_AGE: idle and absolute session expiry. */
  readonly sessionIdleMs: number;
  readonly sessionMaxAgeMs: number;
  /** VIGIL_STREAM_SESSION_RECHECK: how often an open SSE stream re-checks that its session is still live. */
  readonly streamSessionRecheckMs: number;
  /** Failed logins per account / per source address within the window before a temporary lockout. */
  readonly loginMaxFailuresPerAccount: number;
  readonly loginMaxFailuresPerAddress: number;
  readonly loginFailureWindowMs: number;
  readonly loginLockoutMs: number;
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
    this.trustProxy = r.bool('VIGIL_API_TRUST_PROXY', false);
    this.sessionIdleMs = r.durationMs('VIGIL_SESSION_IDLE_TIMEOUT', '30m');
    this.sessionMaxAgeMs = r.durationMs('VIGIL_SESSION_MAX_AGE', '12h');
    this.streamSessionRecheckMs = r.durationMs('VIGIL_STREAM_SESSION_RECHECK', '10s');
    this.loginMaxFailuresPerAccount = r.int('VIGIL_LOGIN_MAX_FAILURES_PER_ACCOUNT', 12, { min: 1 });
    this.loginMaxFailuresPerAddress = r.int('VIGIL_LOGIN_MAX_FAILURES_PER_ADDRESS', 100, { min: 1 });
    this.loginFailureWindowMs = r.durationMs('VIGIL_LOGIN_FAILURE_WINDOW', '15m');
    this.loginLockoutMs = r.durationMs('VIGIL_LOGIN_LOCKOUT', '15m');
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
    return { host: this.host, port: this.port, databaseUrl: maskUrl(this.databaseUrl), gatewayUrl: this.gatewayUrl, cookieSecure: this.cookieSecure };
  }
}
