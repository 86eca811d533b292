import { VigilError } from '@vigil/common';

/** Outcome classes of one POST (the delivery loop decides what to do with each). */
export type SendErrorCode = 'RETRY' | 'REJECTED' | 'UNAUTHORIZED';

/**
 * A failed delivery. `RETRY`: transient (429/503/5xx/network) — try again, after `retryAfterMs`
 * when the gateway said so. `REJECTED`: the gateway will never accept this body (400/403/413).
 * `UNAUTHORIZED`: the key is not (or no longer) valid — keep the batch, retry slowly.
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

/** POSTs encoded batches to the gateway's /v1/batches with the endpoint key. */
export class BatchSender {
  constructor(
    private readonly options: { api: string; key: string; encoding: 'gzip' | 'identity'; timeoutMs?: number },
  ) {}

  /** Resolves on 202; throws SendError otherwise. */
  async send(body: Buffer): Promise<{ status: 'accepted' | 'duplicate' }> {
    let res: Response;
    try {
      res = await fetch(`${this.options.api.replace(/\/+$/, '')}/v1/batches`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.key}`,
          'content-type': 'application/vnd.vigil.telemetry+avro',
          ...(this.options.encoding === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new SendError('RETRY', `gateway unreachable: ${err instanceof Error ? err.message : String(err)}`, undefined, undefined, { cause: err });
    }
    const text = await res.text().catch(() => '');
    if (res.status === 202) {
      try {
        return { status: (JSON.parse(text) as { status?: string }).status === 'duplicate' ? 'duplicate' : 'accepted' };
      } catch {
        return { status: 'accepted' };
      }
    }
    let detail = text.slice(0, 200);
    try {
      const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      if (e) detail = `${e.code}: ${e.message}`;
    } catch {
      // not JSON: keep the text
    }
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
    if (res.status === 401) throw new SendError('UNAUTHORIZED', `gateway refused the endpoint key (${detail})`, 401);
    if (res.status === 429 || res.status >= 500) throw new SendError('RETRY', `gateway answered ${res.status} (${detail})`, res.status, retryAfter);
    throw new SendError('REJECTED', `gateway rejected the batch with ${res.status} (${detail})`, res.status);
  }
}
