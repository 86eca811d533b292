import { errorMessage, type Logger } from '@vigil/common';
import type { KafkaProducer } from '@vigil/kafka';
import type { Alert as AvroAlert, WireEncoder } from '@vigil/schemas';
import type { Alert } from '../detection/alert';
import { ALERT_ID_HEADER, toAvroAlert } from '../kafka/alert-record';
import type { AnalyzerMetrics } from '../metrics/analyzer.metrics';
import type { AnalyzerRepository } from '../repositories/analyzer.repository';
import { Abandoned } from './partition-retry';

/** What the publisher works with. */
export interface AlertPublisherDependencies {
  producer: KafkaProducer;
  alertsTopic: string;
  /** The alerts topic's encoder, registered on first use. */
  alertEncoder: () => Promise<WireEncoder<AvroAlert>>;
  repo: Pick<AnalyzerRepository, 'published'>;
  metrics: AnalyzerMetrics;
  log: Logger;
}

/**
 * Alerts to `vigil.alerts.v1`, after the transaction that committed them: at-least-once through the
 * outbox written in that transaction, which the relay produces again if the direct path fails.
 */
export class AlertPublisher {
  constructor(private readonly deps: AlertPublisherDependencies) {}

  /** Produce alerts to the alerts topic (Avro, key endpoint id, alert id in a header). */
  async send(alerts: Alert[]): Promise<void> {
    const encoder = await this.deps.alertEncoder();
    await this.deps.producer.send(
      this.deps.alertsTopic,
      alerts.map((a) => ({ key: a.endpointId, value: encoder.encode(toAvroAlert(a)), headers: { [ALERT_ID_HEADER]: a.id } })),
    );
  }

  /**
   * Produce committed alerts and clear their outbox rows; what cannot be produced now (`retrying`
   * gave up) stays in the outbox for the relay. Only losing the partition ({@link Abandoned}) is thrown.
   */
  async publish(alerts: Alert[], retrying: (send: () => Promise<void>) => Promise<void>): Promise<void> {
    try {
      await retrying(() => this.send(alerts));
      this.deps.metrics.published.inc({ path: 'direct' }, alerts.length);
    } catch (err) {
      if (err instanceof Abandoned) throw err;
      this.deps.log.warn({ alerts: alerts.length, err: errorMessage(err) }, 'alerts not produced yet; the outbox relay will produce them');
      return;
    }
    await this.deps.repo.published(alerts.map((a) => a.id)).catch((err: unknown) => this.deps.log.warn({ err: errorMessage(err) }, 'outbox not cleared; the relay will produce those alerts again'));
  }
}
