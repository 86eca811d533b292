import { isDatabaseUnavailable } from '@vigil/db';
import { AnalyzerError } from '../errors/analyzer.error';

export { isDataRejected, isDatabaseUnavailable } from '@vigil/db';

/** Wrap a pg error: unavailable → retriable DATABASE_UNAVAILABLE; anything else passes through. */
export function databaseError(err: unknown, what: string): unknown {
  if (err instanceof AnalyzerError) return err;
  if (isDatabaseUnavailable(err)) return new AnalyzerError('DATABASE_UNAVAILABLE', `${what}: ${err instanceof Error ? err.message : String(err)}`, { retriable: true, cause: err });
  return err;
}
