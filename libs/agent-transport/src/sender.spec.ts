import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayClient } from './gateway-client';
import { BatchSender, SendError, parseRetryAfter } from './sender';

const sender = (api: string, key: string, encoding: 'gzip' | 'identity'): BatchSender => new BatchSender(new GatewayClient({ api, insecureHttp: true }), { key, encoding });

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A local HTTP server answering every request with `status`, `headers`, `body`. */
async function answer(status: number, body: string, headers: Record<string, string> = {}): Promise<{ url: string; seen: { auth?: string; enc?: string }[] }> {
  const seen: { auth?: string; enc?: string }[] = [];
  server = createServer((req, res) => {
    seen.push({ auth: req.headers.authorization, enc: req.headers['content-encoding'] });
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, caps at 10 minutes', () => {
    expect(parseRetryAfter('5')).toBe(5_000);
    expect(parseRetryAfter(new Date(10_000 + 3_000).toUTCString(), 10_000)).toBe(3_000);
    expect(parseRetryAfter('99999')).toBe(600_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('BatchSender', () => {
  it('posts with the bearer key and gzip encoding; 202 is success', async () => {
    const { url, seen } = await answer(202, '{"status":"duplicate"}');
    expect(await sender(url, 'vgk_k', 'gzip').send(Buffer.from('x'))).toEqual({ status: 'duplicate', httpStatus: 202 });
    expect(seen[0]).toEqual({ auth: 'Bearer vgk_k', enc: 'gzip' });
  });

  it.each([
    [503, { 'retry-after': '7' }, 'RETRY', 7_000],
    [429, { 'retry-after': '1' }, 'RETRY', 1_000],
    [500, {}, 'RETRY', undefined],
    [400, {}, 'REJECTED', undefined],
    [413, {}, 'REJECTED', undefined],
    [401, {}, 'UNAUTHORIZED', undefined],
  ] as const)('%i → %s', async (status, headers, code, retryAfterMs) => {
    const { url } = await answer(status, '{"error":{"code":"X","message":"m"}}', headers);
    const err = await sender(url, 'k', 'identity').send(Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendError);
    expect(err).toMatchObject({ code, retryAfterMs });
  });

  it('treats an unreachable gateway as retriable', async () => {
    const err = await sender('http://127.0.0.1:1', 'k', 'gzip').send(Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RETRY', retriable: true });
  });
});
