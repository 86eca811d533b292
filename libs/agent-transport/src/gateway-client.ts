import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { VigilError } from '@vigil/common';

/** Why the transport cannot be set up as configured (a start-up error, never retried). */
export class TransportConfigError extends VigilError {
  constructor(
    code: 'INSECURE_HTTP_REFUSED' | 'BAD_GATEWAY_URL',
    message: string,
  ) {
    super(code, message, { retriable: false });
  }
}

/** How the agent reaches the gateway: URL, trust anchors, whether plain http is allowed. */
export interface GatewayConnection {
  /** Gateway base URL (https://…; http://… only with `insecureHttp`). */
  api: string;
  /** PEM CA bundle the gateway certificate must chain to; the system store when absent. */
  tlsCa?: string | Buffer;
  /** Allow plain http (local tests only: the key and batches would cross the network in clear). */
  insecureHttp?: boolean;
  /** Most concurrent keep-alive connections (default 4: one agent; a fleet simulator needs more). */
  maxSockets?: number;
  /** Called with every HTTP answer (the transport learns the gateway's clock from its `Date`). */
  onResponse?: (res: GatewayResponse) => void;
}

/** One HTTP answer from the gateway. */
export interface GatewayResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Round trip of the request, measured on the monotonic clock. */
  rttMs?: number;
}

/**
 * Node's TLS verification error codes (OpenSSL's X509_V_ERR_* names plus Node's own host check):
 * any of them means "the gateway presented a certificate this agent does not trust".
 */
const CERT_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
]);

/** True when `err` is a failed verification of the server certificate. */
export function isCertificateError(err: unknown): err is Error & { code: string } {
  return typeof err === 'object' && err !== null && CERT_ERROR_CODES.has(String((err as { code?: unknown }).code));
}

/**
 * Refuse what the transport must never do: plain http without the explicit opt-in. Throws
 * TransportConfigError with a message an operator can act on.
 */
export function checkGatewayUrl(conn: GatewayConnection): URL {
  let url: URL;
  try {
    url = new URL(conn.api);
  } catch {
    throw new TransportConfigError('BAD_GATEWAY_URL', `not a URL: "${conn.api}"`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol !== 'http:') throw new TransportConfigError('BAD_GATEWAY_URL', `gateway URL must be https:// (got "${url.protocol}")`);
  if (!conn.insecureHttp) {
    throw new TransportConfigError(
      'INSECURE_HTTP_REFUSED',
      `plain http:// to ${url.host} refused: the endpoint key and telemetry would cross the network in clear; use https:// (with tls_ca for a private CA) or set insecure_http=true for a local test`,
    );
  }
  return url;
}

/**
 * Keep-alive HTTP(S) client for one gateway. Verification is always on for https: against `tlsCa`
 * when given (it replaces the system store, so a private CA cannot be bypassed by a public one),
 * else against Node's bundled/system roots.
 */
export class GatewayClient {
  readonly base: URL;
  private readonly agent: HttpAgent | HttpsAgent;

  constructor(readonly conn: GatewayConnection) {
    this.base = checkGatewayUrl(conn);
    this.agent =
      this.base.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: conn.maxSockets ?? 4, ca: conn.tlsCa, rejectUnauthorized: true })
        : new HttpAgent({ keepAlive: true, maxSockets: conn.maxSockets ?? 4 });
  }

  /** True when the gateway is reached over TLS. */
  get tls(): boolean {
    return this.base.protocol === 'https:';
  }

  /**
   * One request. Rejects with the socket/TLS error as Node reports it (callers classify it with
   * {@link isCertificateError}); any HTTP status resolves.
   */
  request(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: Buffer | string | undefined, timeoutMs: number): Promise<GatewayResponse> {
    const url = new URL(path.replace(/^\/+/, ''), this.base.href.endsWith('/') ? this.base.href : `${this.base.href}/`);
    const send = this.tls ? httpsRequest : httpRequest;
    const t0 = performance.now();
    return new Promise<GatewayResponse>((resolve, reject) => {
      const req = send(url, { method, agent: this.agent, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const answer: GatewayResponse = { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), rttMs: performance.now() - t0 };
          this.conn.onResponse?.(answer);
          resolve(answer);
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Close idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}
