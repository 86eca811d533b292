import type { KafkaProducer, OutgoingMessage } from '@vigil/kafka';
import { GatewayError } from '../errors/gateway.error';

interface Waiter {
  message: OutgoingMessage;
  bytes: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Observer of produce outcomes (metrics). */
export interface ProduceObserver {
  produced(seconds: number, messages: number): void;
  failed(): void;
}

/**
 * Bounded produce pipeline in front of the idempotent producer.
 *
 * - Messages that arrive in the same event-loop turn go to Kafka in one produce request (up to
 *   `maxRequestBytes`), which is what makes per-request acks cheap under load.
 * - At most `maxInFlight` messages are unacknowledged at once; beyond that `admit()` refuses
 *   (429 when Kafka is healthy, 503 when it is failing) instead of queueing without bound.
 * - A caller waits at most `timeoutMs` for the ack (then 503), but the send itself goes on: the
 *   producer retries until Kafka takes it, and the dedupe window makes the client's retry wait
 *   for that same send rather than produce a second copy.
 */
export class ProduceQueue {
  private queue: Waiter[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private inFlightCount = 0;
  private lastFailureAt = 0;
  private lastSuccessAt = 0;

  constructor(
    private readonly producer: KafkaProducer,
    private readonly topic: string,
    private readonly options: { maxInFlight: number; timeoutMs: number; maxRequestBytes: number },
    private readonly observer?: ProduceObserver,
  ) {}

  /** Messages handed to Kafka and not yet acknowledged (or failed). */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** True when the last produce outcome was a failure or timeout. */
  get failing(): boolean {
    return this.lastFailureAt > this.lastSuccessAt;
  }

  /** Throws OVERLOADED (Kafka fine, too much at once) or KAFKA_UNAVAILABLE when no slot is free. */
  admit(): void {
    if (this.inFlightCount < this.options.maxInFlight) return;
    if (this.failing || !this.producer.isConnected()) throw new GatewayError('KAFKA_UNAVAILABLE', 'Kafka is not acknowledging; retry later', { retriable: true });
    throw new GatewayError('OVERLOADED', 'too many batches in flight; retry later', { retriable: true });
  }

  /**
   * Produce one message. Returns the ack promise (for dedupe tracking; it may settle long after
   * the caller stopped waiting) — await it with {@link waitFor}.
   */
  produce(message: OutgoingMessage): Promise<void> {
    this.admit();
    this.inFlightCount++;
    const ack = new Promise<void>((resolve, reject) => {
      this.queue.push({ message, bytes: message.value.length, resolve, reject });
      this.queuedBytes += message.value.length;
      if (this.queuedBytes >= this.options.maxRequestBytes) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
    const settle = (): void => {
      this.inFlightCount--;
    };
    ack.then(settle, settle);
    return ack;
  }

  /** Wait for `ack` at most timeoutMs; KAFKA_UNAVAILABLE (retriable) after that. */
  async waitFor<T>(ack: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.lastFailureAt = Date.now();
        reject(new GatewayError('KAFKA_UNAVAILABLE', `Kafka did not acknowledge within ${this.options.timeoutMs} ms; retry later`, { retriable: true }));
      }, this.options.timeoutMs);
    });
    try {
      return await Promise.race([ack, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      // Take up to maxRequestBytes (at least one message) per produce request.
      let bytes = 0;
      let n = 0;
      while (n < this.queue.length && (n === 0 || bytes + this.queue[n]!.bytes <= this.options.maxRequestBytes)) bytes += this.queue[n++]!.bytes;
      const batch = this.queue.splice(0, n);
      this.queuedBytes -= bytes;
      void this.send(batch);
    }
  }

  private async send(batch: Waiter[]): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      await this.producer.send(
        this.topic,
        batch.map((w) => w.message),
      );
      this.lastSuccessAt = Date.now();
      this.observer?.produced(Number(process.hrtime.bigint() - started) / 1e9, batch.length);
      for (const w of batch) w.resolve();
    } catch (err) {
      this.lastFailureAt = Date.now();
      this.observer?.failed();
      const e = new GatewayError('KAFKA_UNAVAILABLE', 'Kafka refused the batch; retry later', { retriable: true, cause: err });
      for (const w of batch) w.reject(e);
    }
  }
}
