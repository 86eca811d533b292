import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { generateEndpointKey, hashEndpointKey } from './endpoint-key';

/** Who enrolled an endpoint, as the audit log records it (a user of the API, or the command line). */
export interface EnrolmentActor {
  id: string | null;
  username: string;
  sourceAddress?: string | null;
}

/** The actor of enrolments made on the host's command line (`./vigil endpoint add`, `./vigil up`, the API's cli.js). */
export const COMMAND_LINE_ACTOR: EnrolmentActor = { id: null, username: 'cli', sourceAddress: 'local' };

/** The audit entry of an enrolment: one shape for the API's and the command line's (`audit_log` action, target, details). */
export function enrolmentAuditEntry(endpoint: { id: string; name: string }): { action: 'endpoint.enrol'; target: string; details: { name: string } } {
  return { action: 'endpoint.enrol', target: endpoint.id, details: { name: endpoint.name } };
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

  /**
   * Enrol an endpoint as `actor` and audit it, in one transaction (the same `endpoint.enrol` row the
   * API's enrolment writes); returns it with its key (the only time the key exists in clear).
   */
  async enrol(name: string, actor: EnrolmentActor): Promise<{ endpoint: EndpointRow; key: string }> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const created = await insertEndpoint(client, name);
      const audit = enrolmentAuditEntry(created.endpoint);
      await client.query('insert into audit_log (actor_id, actor, action, target, source_address, details) values ($1, $2, $3, $4, $5, $6)', [
        actor.id,
        actor.username,
        audit.action,
        audit.target,
        actor.sourceAddress ?? null,
        audit.details,
      ]);
      await client.query('commit');
      return created;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** An endpoint row and its key without an audit entry: test fixtures and benches only (operators enrol through {@link enrol}). */
  create(name: string): Promise<{ endpoint: EndpointRow; key: string }> {
    return insertEndpoint(this.pool, name);
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

async function insertEndpoint(db: Pick<Pool, 'query'>, name: string): Promise<{ endpoint: EndpointRow; key: string }> {
  const key = generateEndpointKey();
  const { rows } = await db.query<{ id: string; name: string; created_at: Date; revoked_at: Date | null }>(
    'insert into endpoints (id, name, key_hash) values ($1, $2, $3) returning id, name, created_at, revoked_at',
    [randomUUID(), name, hashEndpointKey(key)],
  );
  return { endpoint: toRow(rows[0]!), key };
}

function toRow(r: { id: string; name: string; created_at: Date; revoked_at: Date | null }): EndpointRow {
  return { id: r.id, name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at };
}
