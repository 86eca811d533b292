import { VigilError } from '@vigil/common';

/**
 * Every way processing a telemetry record can fail. Mapped to "retry" or "dead-letter" in exactly
 * one place ({@link dispositionOf}).
 */
export type AnalyzerErrorCode =
  /** value is not Confluent-framed Avro (magic byte, schema id), or the Avro body is malformed */
  | 'RECORD_UNDECODABLE'
  /** the schema id is not a version of the telemetry subject */
  | 'SCHEMA_MISMATCH'
  /** decoded, but not a usable batch (bad ids, impossible values) */
  | 'BATCH_INVALID'
  /** a detector threw on this record */
  | 'DETECTOR_FAILED'
  /** PostgreSQL refused a value of this record (SQLSTATE class 22, 23 or 54): retrying cannot help */
  | 'DATA_REJECTED'
  | 'REGISTRY_UNAVAILABLE'
  | 'DATABASE_UNAVAILABLE'
  | 'KAFKA_UNAVAILABLE'
  /** another instance advanced the partition (rebalance): this instance's work is discarded */
  | 'PARTITION_FENCED';

/** The analyzer's base error. */
export class AnalyzerError extends VigilError {
  declare readonly code: AnalyzerErrorCode;
  constructor(code: AnalyzerErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
  }
}

/** What the consumer does with a record (or a transaction) that failed with `code`. */
export type Disposition = 'dead-letter' | 'retry' | 'reload';

/** The one mapping of error codes to consumer behaviour. */
export function dispositionOf(code: AnalyzerErrorCode): Disposition {
  switch (code) {
    case 'RECORD_UNDECODABLE':
    case 'SCHEMA_MISMATCH':
    case 'BATCH_INVALID':
    case 'DETECTOR_FAILED':
    case 'DATA_REJECTED':
      return 'dead-letter';
    case 'REGISTRY_UNAVAILABLE':
    case 'DATABASE_UNAVAILABLE':
    case 'KAFKA_UNAVAILABLE':
      return 'retry';
    case 'PARTITION_FENCED':
      return 'reload';
  }
}
