/**
 * Base of every Vigil error. `code` is a stable, machine-readable identifier (mapped to HTTP or to
 * retry/dead-letter in exactly one place per app); `retriable` says whether trying again can help.
 */
export class VigilError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** True when `err` says a retry may succeed (a VigilError marked retriable, or a kafkajs/pg error that is). */
export function isRetriable(err: unknown): boolean {
  if (err instanceof VigilError) return err.retriable;
  if (typeof err === 'object' && err !== null && 'retriable' in err) return Boolean((err as { retriable: unknown }).retriable);
  return false;
}

/** Message of any thrown value, for logs and operator-facing output. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
