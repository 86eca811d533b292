import { createVigilClient } from '@vigil/api-client';
import { ApiRequestError, toApiError } from './errors';

/**
 * The one typed client of the API. Same origin: the session cookie goes along by itself, and the
 * client adds the session's CSRF token to state-changing requests (libs/api-client).
 */
// absolute base: the page's own origin (the same one in a browser; jsdom's in component tests)
export const api = createVigilClient({ baseUrl: globalThis.location?.origin ?? '' });

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a typed call, or an ApiRequestError carrying the server's code and message. */
export async function call<T>(request: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await request;
  } catch (err) {
    throw new ApiRequestError(0, 'NETWORK', `cannot reach the API (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!result.response.ok || result.error !== undefined) throw toApiError(result.response.status, result.error);
  return result.data as T;
}
