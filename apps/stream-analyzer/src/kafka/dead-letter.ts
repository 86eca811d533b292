import type { IncomingMessage, OutgoingMessage } from '@vigil/kafka';
import type { AnalyzerErrorCode } from '../errors/analyzer.error';

/** Headers of a dead letter on vigil.telemetry.dlq.v1 (the value and key are the original record's). */
export const DLQ_HEADERS = {
  code: 'vigil-error-code',
  message: 'vigil-error-message',
  topic: 'vigil-source-topic',
  partition: 'vigil-source-partition',
  offset: 'vigil-source-offset',
  timestamp: 'vigil-source-timestamp',
  failedAt: 'vigil-failed-at',
} as const;

/** The dead letter for `m`: original bytes, the error and where the record came from in headers. */
export function deadLetter(m: IncomingMessage, code: AnalyzerErrorCode, message: string, now = new Date()): OutgoingMessage {
  return {
    key: m.key?.toString() ?? '',
    value: m.value ?? Buffer.alloc(0),
    headers: {
      [DLQ_HEADERS.code]: code,
      [DLQ_HEADERS.message]: message.slice(0, 2_000),
      [DLQ_HEADERS.topic]: m.topic,
      [DLQ_HEADERS.partition]: String(m.partition),
      [DLQ_HEADERS.offset]: m.offset,
      [DLQ_HEADERS.timestamp]: m.timestamp,
      [DLQ_HEADERS.failedAt]: now.toISOString(),
    },
  };
}
