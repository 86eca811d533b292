import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

/** Prefix of endpoint keys, so a leaked key is recognisable (secret scanners, logs). */
export const ENDPOINT_KEY_PREFIX = 'vgk_';

/** A new endpoint key: 256 random bits, base64url, with the `vgk_` prefix. Shown once, never stored. */
export function generateEndpointKey(): string {
  return ENDPOINT_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** The stored form of a key: sha256 of its text (32 bytes). */
export function hashEndpointKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** An enrolled endpoint (never with its key). */
export interface EndpointRow {
  id: string;
  name: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** The only code that reads or writes the `endpoints` table. */
export class EndpointsRepository {
  constructor(private readonly pool: Pool) {}

  /** Enrol an endpoint; returns it with its key (the only time the key exists in clear). */
  async create(name: string): Promise<{ endpoint: EndpointRow; key: string }> {
    const key = generateEndpointKey();
    const { rows } = await this.pool.query<{ id: string; name: string; created_at: Date; revoked_at: Date | null }>(
      'insert into endpoints (id, name, key_hash) values ($1, $2, $3) returning id, name, created_at, revoked_at',
      [randomUUID(), name, hashEndpointKey(key)],
    );
    return { endpoint: toRow(rows[0]!), key };
  }

  /** Id of the endpoint whose key hashes to `keyHash`, unless revoked. */
  async activeIdByKeyHash(keyHash: Buffer): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ id: string }>('select id from endpoints where key_hash = $1 and revoked_at is null', [keyHash]);
    return rows[0]?.id;
  }

  /** Revoke an endpoint's key (true when it was active). */
  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('update endpoints set revoked_at = now() where id = $1 and revoked_at is null', [id]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * Replace a live endpoint's key; returns the new key, or undefined when the endpoint is absent or
   * revoked. Revocation is final: a new key never brings a revoked endpoint back (enrol a new one).
   */
  async rotateKey(id: string): Promise<string | undefined> {
    const key = generateEndpointKey();
    const { rowCount } = await this.pool.query('update endpoints set key_hash = $2 where id = $1 and revoked_at is null', [id, hashEndpointKey(key)]);
    return (rowCount ?? 0) > 0 ? key : undefined;
  }

  /** Record that endpoints were heard from (batched by the caller; best effort). */
  async touch(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.pool.query('update endpoints set last_seen_at = now() where id = any($1::uuid[])', [ids]);
  }
}

function toRow(r: { id: string; name: string; created_at: Date; revoked_at: Date | null }): EndpointRow {
  return { id: r.id, name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at };
}
