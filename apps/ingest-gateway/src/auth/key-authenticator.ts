import { bearerEndpointKey, hashEndpointKey } from '@vigil/db';
import { GatewayError } from '../errors/gateway.error';

/** Looks an active endpoint up by key hash (the endpoints repository, or a test double in unit tests). */
export interface EndpointLookup {
  activeIdByKeyHash(keyHash: Buffer): Promise<string | undefined>;
}

/** Limits of the key cache. */
export interface KeyCacheOptions {
  /** How long a lookup is trusted while the database answers (a revoked key works at most this long). */
  ttlMs: number;
  /**
   * How long a key verified earlier keeps working while the database is unreachable (0: never).
   * Once the database is back, the next request after `ttlMs` asks it again, so a key revoked during
   * the outage stops working within `ttlMs` of the database's return.
   */
  staleMs: number;
  /** Endpoints remembered (the fleet; the oldest verification goes first beyond it). */
  maxKnown?: number;
  /** Unknown keys remembered (kept apart, so a flood of bad keys cannot push real endpoints out). */
  maxUnknown?: number;
}

/** After a failed query, keys with a stale verification are served from the cache for this long without asking again. */
const OUTAGE_BACKOFF_MS = 1_000;

/** How a key was verified: by the database now, from the cache, or from the cache while the database is away. */
export type KeySource = 'database' | 'cache' | 'stale';

/**
 * Bearer key → endpoint id, cached by key hash for `ttlMs`. Unknown keys are cached too (same TTL,
 * in a map of their own), so repeating a bad key costs no query; concurrent lookups of one key share
 * a query. While the database is unreachable, a key verified within `staleMs` keeps working (the
 * gateway goes on accepting telemetry through a PostgreSQL outage); a key never seen gets 503.
 */
export class KeyAuthenticator {
  private readonly known = new Map<string, { endpointId: string; verifiedAt: number }>();
  private readonly unknown = new Map<string, number>();
  private readonly pending = new Map<string, Promise<string | undefined>>();
  private lastFailure = Number.NEGATIVE_INFINITY;
  private readonly maxKnown: number;
  private readonly maxUnknown: number;

  constructor(
    private readonly endpoints: EndpointLookup,
    private readonly options: KeyCacheOptions,
    private readonly now: () => number = Date.now,
    private readonly onVerified: (source: KeySource) => void = () => undefined,
  ) {
    this.maxKnown = options.maxKnown ?? 100_000;
    this.maxUnknown = options.maxUnknown ?? 10_000;
  }

  /** Entries held (known endpoints, unknown keys): bounded by maxKnown and maxUnknown. */
  get size(): { known: number; unknown: number } {
    return { known: this.known.size, unknown: this.unknown.size };
  }

  /** Endpoint id for an `Authorization` header value; GatewayError AUTH_* / DATABASE_UNAVAILABLE. */
  async authenticate(header: string | undefined): Promise<string> {
    if (!header) throw new GatewayError('AUTH_MISSING', 'Authorization: Bearer <endpoint key> is required');
    const key = bearerEndpointKey(header);
    if (key === undefined) throw new GatewayError('AUTH_INVALID', 'malformed Authorization header (expected Bearer <endpoint key>)');
    const hash = hashEndpointKey(key);
    const cacheKey = hash.toString('base64');
    const now = this.now();
    const known = this.known.get(cacheKey);
    if (known && now - known.verifiedAt < this.options.ttlMs) return this.verified(known.endpointId, 'cache');
    const unknownAt = this.unknown.get(cacheKey);
    if (!known && unknownAt !== undefined && now - unknownAt < this.options.ttlMs) throw invalidKey();
    const stale = known && now - known.verifiedAt < this.options.staleMs ? known : undefined;
    // The database just failed: a key it confirmed earlier does not wait for another timeout.
    if (stale && now - this.lastFailure < OUTAGE_BACKOFF_MS) return this.verified(stale.endpointId, 'stale');
    let endpointId: string | undefined;
    try {
      endpointId = await this.lookup(cacheKey, hash);
    } catch (err) {
      if (stale) return this.verified(stale.endpointId, 'stale');
      throw err;
    }
    if (!endpointId) throw invalidKey();
    return this.verified(endpointId, 'database');
  }

  private verified(endpointId: string, source: KeySource): string {
    this.onVerified(source);
    return endpointId;
  }

  private lookup(cacheKey: string, hash: Buffer): Promise<string | undefined> {
    let p = this.pending.get(cacheKey);
    if (!p) {
      p = this.endpoints
        .activeIdByKeyHash(hash)
        .then(
          (endpointId) => {
            this.remember(cacheKey, endpointId);
            return endpointId;
          },
          (err: unknown) => {
            this.lastFailure = this.now();
            throw new GatewayError('DATABASE_UNAVAILABLE', 'cannot check the endpoint key now', { retriable: true, cause: err });
          },
        )
        .finally(() => this.pending.delete(cacheKey));
      this.pending.set(cacheKey, p);
    }
    return p;
  }

  private remember(cacheKey: string, endpointId: string | undefined): void {
    // Map order is insertion order: delete + set moves the entry last, the oldest goes first.
    this.known.delete(cacheKey);
    this.unknown.delete(cacheKey);
    if (endpointId) {
      if (this.known.size >= this.maxKnown) this.known.delete(this.known.keys().next().value as string);
      this.known.set(cacheKey, { endpointId, verifiedAt: this.now() });
    } else {
      if (this.unknown.size >= this.maxUnknown) this.unknown.delete(this.unknown.keys().next().value as string);
      this.unknown.set(cacheKey, this.now());
    }
  }
}

const invalidKey = (): GatewayError => new GatewayError('AUTH_INVALID', 'unknown or revoked endpoint key');
