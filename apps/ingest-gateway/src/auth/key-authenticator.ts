import { hashEndpointKey } from '@vigil/db';
import { GatewayError } from '../errors/gateway.error';

/** Looks an active endpoint up by key hash (the endpoints repository, or a test double in unit tests). */
export interface EndpointLookup {
  activeIdByKeyHash(keyHash: Buffer): Promise<string | undefined>;
}

interface Entry {
  endpointId: string | undefined;
  expires: number;
}

/** Largest bearer token we even hash (keys are 47 characters). */
const MAX_KEY_LENGTH = 256;

/**
 * Bearer key → endpoint id, cached by key hash for `ttlMs` (so a revoked key stops working within
 * ttlMs). Unknown keys are cached too (same TTL), so repeating a bad key costs no query; concurrent
 * lookups of one key share a query. The cache is bounded: the oldest entries go first.
 */
export class KeyAuthenticator {
  private readonly cache = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly endpoints: EndpointLookup,
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Endpoint id for an `Authorization` header value; GatewayError AUTH_* / DATABASE_UNAVAILABLE. */
  async authenticate(header: string | undefined): Promise<string> {
    if (!header) throw new GatewayError('AUTH_MISSING', 'Authorization: Bearer <endpoint key> is required');
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!match || match[1]!.length > MAX_KEY_LENGTH) throw new GatewayError('AUTH_INVALID', 'malformed Authorization header (expected Bearer <endpoint key>)');
    const hash = hashEndpointKey(match[1]!);
    const cacheKey = hash.toString('base64');
    const cached = this.cache.get(cacheKey);
    let endpointId: string | undefined;
    if (cached && cached.expires > this.now()) endpointId = cached.endpointId;
    else endpointId = await this.lookup(cacheKey, hash);
    if (!endpointId) throw new GatewayError('AUTH_INVALID', 'unknown or revoked endpoint key');
    return endpointId;
  }

  private lookup(cacheKey: string, hash: Buffer): Promise<string | undefined> {
    let p = this.pending.get(cacheKey);
    if (!p) {
      p = this.endpoints
        .activeIdByKeyHash(hash)
        .then(
          (endpointId) => {
            this.cache.delete(cacheKey);
            if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
            this.cache.set(cacheKey, { endpointId, expires: this.now() + this.ttlMs });
            return endpointId;
          },
          (err: unknown) => {
            throw new GatewayError('DATABASE_UNAVAILABLE', 'cannot check the endpoint key now', { retriable: true, cause: err });
          },
        )
        .finally(() => this.pending.delete(cacheKey));
      this.pending.set(cacheKey, p);
    }
    return p;
  }
}
