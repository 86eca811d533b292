/**
 * The typed client of the Vigil API for the web app. Types come from `schema.generated.ts`, generated
 * by openapi-typescript from `openapi.json`, which the API writes from its DTOs
 * (`npm run openapi -w apps/api`); a test fails when either is out of date.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema.generated.js';

export type * from './schema.generated.js';

/**
 * The API's enumerations as values (generated from the OpenAPI document, which the API writes from
 * the lists in @vigil/common): what the web offers in filters and forms is what the API accepts.
 */
export {
  alertDtoStatusValues as ALERT_STATUSES,
  alertDtoSeverityValues as SEVERITIES,
  ruleDtoSeverityValues as RULE_SEVERITIES,
  userDtoRoleValues as USER_ROLES,
} from './schema.generated.js';

/** Header carrying the session's CSRF token on every state-changing request. */
export const CSRF_HEADER = 'x-csrf-token';
/** Name of the httpOnly session cookie (set by POST /api/auth/login; scripts never see it). */
export const SESSION_COOKIE = 'vigil_session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Options of {@link createVigilClient}. */
export interface VigilClientOptions {
  /** Origin of the API, e.g. `http://127.0.0.1:3000`; default '' (same origin, as the UI is served). */
  baseUrl?: string;
  /** A fetch implementation (tests); default the global one. */
  fetch?: typeof fetch;
  /** Called when an answer is 401 (session missing, expired or revoked), e.g. to show the login page. */
  onUnauthenticated?: () => void;
}

/** The openapi-fetch client plus the session's CSRF token handling. */
export interface VigilClient extends Client<paths> {
  /** The CSRF token of the current session, if known (from login or GET /api/auth/me). */
  readonly csrfToken: string | undefined;
}

const pathOf = (url: string): string => new URL(url, 'http://local').pathname;

/**
 * A client that sends the session cookie (`credentials: 'include'`) and the CSRF header. The token is
 * not in a cookie: the API returns it in the login answer and in GET /api/auth/me, so the client keeps
 * it from those answers, and on a state-changing request without one (a reloaded page) it asks
 * GET /api/auth/me first. A logout or a 401 forgets it.
 */
export function createVigilClient(options: VigilClientOptions = {}): VigilClient {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: Request) => globalThis.fetch(input));
  let csrfToken: string | undefined;

  const remember = async (res: Response): Promise<void> => {
    const path = pathOf(res.url);
    if (res.status === 401) {
      csrfToken = undefined;
      options.onUnauthenticated?.();
      return;
    }
    if (!res.ok) return;
    if (path.endsWith('/api/auth/logout')) csrfToken = undefined;
    else if (path.endsWith('/api/auth/login') || path.endsWith('/api/auth/me')) {
      const body = (await res.clone().json()) as { csrfToken?: unknown };
      if (typeof body.csrfToken === 'string') csrfToken = body.csrfToken;
    }
  };

  const csrf: Middleware = {
    async onRequest({ request }) {
      if (SAFE_METHODS.has(request.method) || pathOf(request.url).endsWith('/api/auth/login')) return request;
      if (csrfToken === undefined) {
        const me = await doFetch(new Request(`${baseUrl}/api/auth/me`, { credentials: 'include' }));
        await remember(me);
      }
      if (csrfToken !== undefined) request.headers.set(CSRF_HEADER, csrfToken);
      return request;
    },
    async onResponse({ response }) {
      await remember(response);
      return response;
    },
  };

  const client = createClient<paths>({ baseUrl, credentials: 'include', fetch: doFetch });
  client.use(csrf);
  return Object.defineProperty(client, 'csrfToken', { get: () => csrfToken, enumerable: true }) as VigilClient;
}

/** The error body of a failed call (`{"error":{"code","message"}}`), or a generic one for non-JSON failures. */
export function errorOf(error: unknown): { code: string; message: string } {
  const e = (error as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return typeof e?.code === 'string' ? { code: e.code, message: typeof e.message === 'string' ? e.message : e.code } : { code: 'UNKNOWN', message: String(error) };
}
