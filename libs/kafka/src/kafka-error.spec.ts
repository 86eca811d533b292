import { KafkaJSAggregateError, KafkaJSConnectionError, KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSSASLAuthenticationError } from 'kafkajs';
import { isRetriable } from '@vigil/common';
import { describe, expect, it } from 'vitest';
import { KafkaError, kafkaCall, toKafkaError } from './kafka-error';

/** kafkajs' typings know fewer constructor arguments than its classes take. */
const make = (C: unknown, ...args: unknown[]): Error => new (C as new (...a: unknown[]) => Error)(...args);

describe('toKafkaError', () => {
  it('turns an outage into a retriable KAFKA_UNAVAILABLE with the client error as cause', () => {
    const raw = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const err = toKafkaError(raw);
    expect(err).toBeInstanceOf(KafkaError);
    expect(err).toMatchObject({ code: 'KAFKA_UNAVAILABLE', retriable: true, message: raw.message, cause: raw });
    expect(isRetriable(err)).toBe(true);
  });

  it('treats exhausted client retries as an outage that may pass', () => {
    const raw = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('broker down'), { retryCount: 5, retryTime: 5000 });
    expect(toKafkaError(raw)).toMatchObject({ code: 'KAFKA_UNAVAILABLE', retriable: true });
  });

  it('turns a refusal into a non-retriable KAFKA_REJECTED carrying the broker error type', () => {
    const protocol = make(KafkaJSProtocolError, { type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false, message: 'The request included a message larger than the max message size the server will accept' });
    const raw = make(KafkaJSNonRetriableError, protocol, { cause: protocol });
    expect(toKafkaError(raw)).toMatchObject({ code: 'KAFKA_REJECTED', retriable: false, kafkaType: 'MESSAGE_TOO_LARGE' });
    expect(toKafkaError(make(KafkaJSSASLAuthenticationError, 'SASL SCRAM SHA512 authentication failed'))).toMatchObject({ code: 'KAFKA_REJECTED', retriable: false });
    expect(toKafkaError(new KafkaJSError('retriable by default'))).toMatchObject({ retriable: true });
  });

  it('says why an aggregate failed: the messages and broker type of the errors it holds', () => {
    const denied = make(KafkaJSProtocolError, { type: 'TOPIC_AUTHORIZATION_FAILED', code: 29, retriable: false, message: 'Not authorized to access topics: [Topic authorization failed]' });
    const raw = make(KafkaJSAggregateError, 'Topic creation errors', [denied]);
    expect(toKafkaError(raw)).toMatchObject({ code: 'KAFKA_REJECTED', message: 'Topic creation errors: Not authorized to access topics: [Topic authorization failed]', kafkaType: 'TOPIC_AUTHORIZATION_FAILED' });
  });

  it('leaves errors that are not the client\'s alone', async () => {
    const own = new TypeError('handler bug');
    expect(toKafkaError(own)).toBe(own);
    await expect(kafkaCall(() => Promise.reject(own))).rejects.toBe(own);
    await expect(kafkaCall(Promise.reject(new KafkaJSConnectionError('down')))).rejects.toBeInstanceOf(KafkaError);
  });
});
