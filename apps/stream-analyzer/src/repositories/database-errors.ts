import { AnalyzerError } from '../errors/analyzer.error';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether a pg error means "the database is (temporarily) unavailable": connection failures and
 * SQLSTATE classes 08 (connection), 53 (resources), 57 (operator intervention, e.g. shutdown),
 * 40 (serialization/deadlock), 55P03 (lock timeout).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code)) return true;
  if (/^(08|53|57|40)/.test(code) || code === '55P03') return true;
  const msg = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|connection timeout|Client has encountered a connection error|Connection ended|server closed the connection|not queryable/i.test(msg);
}

/** Whether PostgreSQL refused the data itself (SQLSTATE 22 data exception, 23 integrity violation). */
export function isDataRejected(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23)/.test(code);
}

/** Wrap a pg error: unavailable → retriable DATABASE_UNAVAILABLE; anything else passes through. */
export function databaseError(err: unknown, what: string): unknown {
  if (err instanceof AnalyzerError) return err;
  if (isDatabaseUnavailable(err)) return new AnalyzerError('DATABASE_UNAVAILABLE', `${what}: ${err instanceof Error ? err.message : String(err)}`, { retriable: true, cause: err });
  return err;
}
