import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths never logged in clear: credentials and the raw argv/environment of monitored processes
 * (they hold secrets). Payloads belong at debug level at most.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'key',
  '*.key',
  'apiKey',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'argv',
  '*.argv',
  'env',
  '*.env',
  'databaseUrl',
  '*.databaseUrl',
];

/** The root JSON logger of a service; one child per component (`logger.child({ component })`). */
export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  return pino({
    name: service,
    level: options.level ?? 'info',
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    ...options,
  });
}
