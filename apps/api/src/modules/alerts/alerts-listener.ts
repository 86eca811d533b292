import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { backoffDelay } from '@vigil/common';
import { createClient, type Client } from '@vigil/db';
import { Subject } from 'rxjs';
import { ApiConfig } from '../../config/api.config';

/** NOTIFY channel carrying the id of each newly committed alert. */
export const ALERTS_CHANNEL = 'vigil_alerts';

/**
 * Whether the NOTIFY trigger on `alerts` is there. It is installed by the owner's migration (libs/db
 * 20261206051500_alerts_notify.sql), which the API's start-up migration check guarantees: the API
 * never creates it (its role may run no DDL), it only looks.
 */
const TRIGGER_PRESENT_SQL = `select exists (
  select 1 from pg_trigger where tgname = 'alerts_notify_api' and tgrelid = to_regclass('alerts')) as present`;

/**
 * One dedicated PostgreSQL connection that LISTENs for new alerts (LISTEN needs a session of its own;
 * a pooled connection would lose it). Reconnects with jittered backoff; re-checks for the NOTIFY
 * trigger while it is missing.
 */
@Injectable()
export class AlertsListener implements OnModuleInit, OnModuleDestroy {
  /** Ids of alerts as they are committed. */
  readonly alertIds = new Subject<string>();
  private readonly logger = new Logger('AlertsListener');
  private client: Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private triggerReady = false;

  constructor(private readonly config: ApiConfig) {}

  onModuleInit(): void {
    void this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.client?.end().catch(() => undefined);
    this.alertIds.complete();
  }

  /** Whether the notify trigger is installed (the live stream works). */
  get ready(): boolean {
    return this.triggerReady && this.client !== undefined;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.connect(), ms);
    this.timer.unref();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = createClient({ connectionString: this.config.databaseUrl, application_name: 'vigil-api-listen' });
    try {
      await client.connect();
      client.on('notification', (msg) => {
        if (msg.channel === ALERTS_CHANNEL && msg.payload) this.alertIds.next(msg.payload);
      });
      client.on('error', (err) => {
        this.logger.warn(`alert listener connection lost: ${err.message}`);
        this.client = undefined;
        this.triggerReady = false;
        void client.end().catch(() => undefined);
        this.schedule(backoffDelay(this.attempt++, 500, 10_000));
      });
      await client.query(`listen ${ALERTS_CHANNEL}`);
      this.client = client;
      this.attempt = 0;
      await this.checkTrigger(client);
    } catch (err) {
      this.logger.warn(`alert listener cannot connect: ${(err as Error).message}`);
      await client.end().catch(() => undefined);
      this.schedule(backoffDelay(this.attempt++, 500, 10_000));
    }
  }

  private async checkTrigger(client: Client): Promise<void> {
    const present = (await client.query<{ present: boolean }>(TRIGGER_PRESENT_SQL)).rows[0]?.present === true;
    this.triggerReady = present;
    if (!present) {
      // Only an owner who dropped it (or an unmigrated database) gets here: say so, and look again.
      this.logger.error('the alerts NOTIFY trigger (alerts_notify_api) is missing: apply libs/db migrations as the owner; the live alert stream waits');
      const retry = setTimeout(() => {
        if (this.client === client && !this.stopped) void this.checkTrigger(client).catch(() => undefined);
      }, 5_000);
      retry.unref();
    }
  }
}
