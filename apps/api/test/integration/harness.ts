import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client as PgClient } from 'pg';
import { freshDatabase } from '@vigil/testing';
import { ApiConfig } from '../../src/config/api.config';
import { createApp } from '../../src/http/create-app';
import type { Role } from '../../src/modules/users/user.entity';
import { UsersService } from '../../src/modules/users/users.service';

/** The real API on a random loopback port, over a fresh database of the real PostgreSQL. */
export interface TestApi {
  app: NestExpressApplication;
  baseUrl: string;
  databaseUrl: string;
  /** The TOTP key it runs with (VIGIL_TOTP_KEY; random per API unless the test gives one; undefined when set to ''). */
  totpKey: Buffer | undefined;
  createUser(username: string, role: Role, password: string): Promise<void>;
  close(): Promise<void>;
}

export async function startApi(env: Record<string, string> = {}): Promise<TestApi> {
  const db = await freshDatabase('vigil_api_test');
  const api = await startApiOn(db.url, env);
  return {
    ...api,
    close: async () => {
      await api.app.close();
      await db.drop();
    },
  };
}

/** The real API over an existing database (closing it leaves the database alone). */
export async function startApiOn(databaseUrl: string, env: Record<string, string> = {}): Promise<TestApi> {
  const config = new ApiConfig({ VIGIL_DATABASE_URL: databaseUrl, VIGIL_API_PORT: '0', VIGIL_LOG_LEVEL: 'warn', VIGIL_TOTP_KEY: randomBytes(32).toString('base64'), ...env });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    databaseUrl,
    totpKey: config.totpKey,
    createUser: async (username, role, password) => {
      await app.get(UsersService).create({ username, role, password }, { id: null, username: 'test', sourceAddress: null });
    },
    close: async () => {
      await app.close();
    },
  };
}

/** A browser-like client: keeps the session cookie and the CSRF token it was given. */
export class Client {
  cookie: string | undefined;
  csrf: string | undefined;

  constructor(private readonly baseUrl: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown; headers: Headers }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf && !['GET', 'HEAD'].includes(method) ? { 'x-csrf-token': this.csrf } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      if (pair?.startsWith('vigil_session=') || pair?.startsWith('__Host-vigil_session=')) this.cookie = pair.endsWith('=') ? undefined : pair;
    }
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers };
  }

  async login(username: string, password: string, extra: { totp?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; json: unknown; headers: Headers }> {
    const res = await this.request('POST', '/api/auth/login', { username, password, ...(extra.totp ? { totp: extra.totp } : {}) }, extra.headers);
    if (res.status === 200) this.csrf = (res.json as { csrfToken: string }).csrfToken;
    return res;
  }
}

/** A direct connection to the test database (for setting up what no route does, e.g. ageing a session). */
export async function sql<T = Record<string, unknown>>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const pg = new PgClient({ connectionString: databaseUrl });
  await pg.connect();
  try {
    return (await pg.query(text, params)).rows as T[];
  } finally {
    await pg.end();
  }
}

/** An audit log entry as GET /api/audit lists it. */
export interface AuditItem {
  action: string;
  actor: string | null;
  actorId: string | null;
  target: string | null;
  sourceAddress: string | null;
  details: Record<string, unknown>;
}

/** The audit entries an admin client reads (`query`: e.g. `action=auth.denied&limit=500`), newest first. */
export async function auditItems(admin: Client, query = 'limit=500'): Promise<AuditItem[]> {
  return ((await admin.request('GET', `/api/audit?${query}`)).json as { items: AuditItem[] }).items;
}

/** The error code of an error answer. */
export const codeOf = (json: unknown): string | undefined => (json as { error?: { code?: string } } | undefined)?.error?.code;
