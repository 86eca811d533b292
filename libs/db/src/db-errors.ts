const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** The pg (or TypeORM-wrapped) error itself: TypeORM's QueryFailedError keeps it in `driverError`. */
function pgError(err: unknown): { code?: unknown; message?: unknown } | undefined {
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown } | undefined;
  if (e && typeof e === 'object' && e.driverError && typeof e.driverError === 'object') return e.driverError as { code?: unknown; message?: unknown };
  return e ?? undefined;
}

/**
 * Whether a pg error means "the database is (temporarily) unavailable" — retry later, it is not the
 * data: connection failures and SQLSTATE classes 08 (connection), 53 (resources), 57 (operator
 * intervention, e.g. 57P01 admin shutdown), 40 (serialization/deadlock), 55P03 (lock timeout).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = pgError(err);
  const code = typeof e?.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code)) return true;
  if (/^(08|53|57|40)/.test(code) || code === '55P03') return true;
  const msg = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|connection timeout|Client has encountered a connection error|Connection ended|server closed the connection|not queryable|connect ECONNREFUSED|read ECONNRESET/i.test(msg);
}

/**
 * Whether PostgreSQL refused the data itself: SQLSTATE class 22 data exception (e.g. 22021, a NUL
 * byte in a text value; 22P05 \u0000 in jsonb), 23 integrity violation, 54 program limit exceeded
 * (e.g. 54000, a value too large for a btree index row). Retrying the same values can never succeed.
 */
export function isDataRejected(err: unknown): boolean {
  const code = pgError(err)?.code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}
