import { VigilError } from '@vigil/common';

/**
 * Codes of {@link KafkaError}: a broker or connection problem that may pass (`KAFKA_UNAVAILABLE`),
 * or a refusal that the same request will meet again (`KAFKA_REJECTED`: authentication,
 * authorisation, a record too large, an unknown topic, …).
 */
export type KafkaErrorCode = 'KAFKA_UNAVAILABLE' | 'KAFKA_REJECTED';

/**
 * The one error the adapter lets out for whatever the Kafka client failed at: callers see `code`,
 * `retriable` and the client's message, never a client-specific class (the original is `cause`).
 * `kafkaType` is the broker's error name when it sent one (e.g. `TOPIC_AUTHORIZATION_FAILED`).
 */
export class KafkaError extends VigilError {
  declare readonly code: KafkaErrorCode;
  readonly kafkaType: string | undefined;

  constructor(code: KafkaErrorCode, message: string, options: { retriable: boolean; cause?: unknown; kafkaType?: string }) {
    super(code, message, options);
    this.kafkaType = options.kafkaType;
  }
}

/** Client errors that say the cluster or the connection to it is (for now) not there. */
const OUTAGES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSNoBrokerAvailableError',
  // the client's own retries ran out: whatever failed kept failing, but may pass later
  'KafkaJSNumberOfRetriesExceeded',
]);

interface ClientErrorShape {
  name: string;
  message: string;
  retriable?: unknown;
  type?: unknown;
  cause?: unknown;
}

function isClientError(err: unknown): err is ClientErrorShape {
  return err instanceof Error && err.name.startsWith('KafkaJS');
}

/** The broker's error type (e.g. `NOT_LEADER_FOR_PARTITION`) of `err` or of the error it wraps. */
function brokerType(err: ClientErrorShape): string | undefined {
  if (typeof err.type === 'string') return err.type;
  return isClientError(err.cause) ? brokerType(err.cause) : undefined;
}

/**
 * `err` as a {@link KafkaError} when the Kafka client threw it; any other value (a handler's own
 * error, a KafkaError already) is returned unchanged.
 */
export function toKafkaError<T>(err: T): T | KafkaError {
  if (!isClientError(err)) return err;
  // an aggregate (e.g. "Topic creation errors") says why only in the errors it holds
  const inner = (err as { errors?: unknown }).errors;
  const parts = Array.isArray(inner) ? [...new Set(inner.filter(isClientError).map((x) => x.message))] : [];
  const message = parts.length > 0 ? `${err.message}: ${parts.join('; ')}` : err.message;
  const type = brokerType(err) ?? (Array.isArray(inner) ? inner.filter(isClientError).map(brokerType).find((t) => t !== undefined) : undefined);
  const retriable = OUTAGES.has(err.name) || err.retriable === true;
  return new KafkaError(retriable ? 'KAFKA_UNAVAILABLE' : 'KAFKA_REJECTED', message, { retriable, cause: err, kafkaType: type });
}

/** Await `work`, turning a client error into a {@link KafkaError}. */
export async function kafkaCall<T>(work: Promise<T> | (() => Promise<T>)): Promise<T> {
  try {
    return await (typeof work === 'function' ? work() : work);
  } catch (err) {
    throw toKafkaError(err);
  }
}
