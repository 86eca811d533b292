import { VigilError, errorMessage } from '@vigil/common';
import { GatewayClient, isCertificateError, type GatewayResponse } from './gateway-client';

/** Outcome classes of one POST (the delivery loop decides what to do with each). */
export type SendErrorCode = 'RETRY' | 'REJECTED' | 'UNAUTHORIZED' | 'TLS_UNTRUSTED' | 'CLOCK_AHEAD';

/**
 * A failed delivery. `RETRY`: transient (429/503/5xx/network) — try again, after `retryAfterMs`
 * when the gateway said so. `REJECTED`: the gateway will never accept this body (400/403/413).
 * `UNAUTHORIZED`: the key is not (or no longer) valid — keep the batch, retry slowly.
 * `TLS_UNTRUSTED`: the gateway's certificate does not verify against the configured CA — keep the
 * batch, retry slowly (the server's certificate may be fixed), and say so loudly every time.
 */
export class SendError extends VigilError {
  declare readonly code: SendErrorCode;
  constructor(
    code: SendErrorCode,
    message: string,
    readonly status: number | undefined,
    readonly retryAfterMs?: number,
    options: { cause?: unknown } = {},
  ) {
    super(code, message, { retriable: code !== 'REJECTED', cause: options.cause });
  }
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), capped at 10 minutes. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, 600_000);
}

/**
 * Classify a transport-level failure (no HTTP answer): an untrusted certificate is its own class,
 * everything else (refused, reset, timeout, DNS) is a retry.
 */
export function connectionError(err: unknown, api: string): SendError {
  if (isCertificateError(err)) {
    return new SendError('TLS_UNTRUSTED', `gateway certificate not trusted: ${err.code}: ${err.message} (${api}; check tls_ca)`, undefined, undefined, { cause: err });
  }
  return new SendError('RETRY', `gateway unreachable: ${errorMessage(err)}`, undefined, undefined, { cause: err });
}

/** The `error.code` of a gateway JSON error body (undefined when it is not one). */
export function errorCodeOf(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** `code: message` of a gateway JSON error body, else the start of the text. */
export function errorDetail(text: string): string {
  try {
    const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (e) return `${e.code}: ${e.message}`;
  } catch {
    // not JSON: keep the text
  }
  return text.slice(0, 200);
}

/** Retry-After of a gateway answer, in milliseconds. */
export function retryAfterOf(res: GatewayResponse): number | undefined {
  const h = res.headers['retry-after'];
  return parseRetryAfter(Array.isArray(h) ? (h[0] ?? null) : (h ?? null));
}

/** POSTs encoded batches to the gateway's /v1/batches with the endpoint key. */
export class BatchSender {
  constructor(
    private readonly client: GatewayClient,
    private readonly options: { key: string; encoding: 'gzip' | 'identity'; timeoutMs?: number },
  ) {}

  /** Resolves on 202; throws SendError otherwise. */
  async send(body: Buffer): Promise<{ status: 'accepted' | 'duplicate'; httpStatus: number }> {
    let res: GatewayResponse;
    try {
      res = await this.client.request(
        'POST',
        '/v1/batches',
        {
          authorization: `Bearer ${this.options.key}`,
          'content-type': 'application/vnd.vigil.telemetry+avro',
          ...(this.options.encoding === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
        },
        body,
        this.options.timeoutMs ?? 30_000,
      );
    } catch (err) {
      throw connectionError(err, this.client.conn.api);
    }
    if (res.status === 202) {
      try {
        return { status: (JSON.parse(res.text) as { status?: string }).status === 'duplicate' ? 'duplicate' : 'accepted', httpStatus: 202 };
      } catch {
        return { status: 'accepted', httpStatus: 202 };
      }
    }
    const detail = errorDetail(res.text);
    const retryAfter = retryAfterOf(res);
    if (res.status === 401) throw new SendError('UNAUTHORIZED', `gateway refused the endpoint key (${detail})`, 401);
    if (res.status === 429 || res.status >= 500) throw new SendError('RETRY', `gateway answered ${res.status} (${detail})`, res.status, retryAfter);
    if (res.status === 422 && errorCodeOf(res.text) === 'CLOCK_AHEAD') throw new SendError('CLOCK_AHEAD', `gateway refused the batch's times (${detail})`, 422);
    throw new SendError('REJECTED', `gateway rejected the batch with ${res.status} (${detail})`, res.status);
  }
}
