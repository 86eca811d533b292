import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { backoffDelay } from '@vigil/common';
import { createClient, type Client } from '@vigil/db';
import { Subject } from 'rxjs';
import { ApiConfig } from '../../config/api.config';

/** NOTIFY channel carrying the id of each newly committed alert. */
export const ALERTS_CHANNEL = 'vigil_alerts';

/**
 * Installs an AFTER INSERT trigger on the analyzer's `alerts` table that NOTIFYs the alert id (only
 * delivered at commit, so a listener never sees an uncommitted alert), idempotently and serialised
 * across API instances. Resolves false while the table does not exist yet.
 */
const ENSURE_TRIGGER_SQL = `
  do $$
  begin
    perform pg_advisory_xact_lock(hashtext('vigil.api.alerts-notify'));
    if to_regclass('alerts') is null then
      raise notice 'absent';
      return;
    end if;
    -- Installed by the owner's migrations (libs/db 20261206051500_alerts_notify.sql): the API's own
    -- role may not create functions or triggers, so it only checks.
    if exists (select 1 from pg_trigger where tgname = 'alerts_notify_api' and tgrelid = 'alerts'::regclass) then
      return;
    end if;
    create or replace function vigil_notify_alert() returns trigger language plpgsql as $f$
    begin
      perform pg_notify('${ALERTS_CHANNEL}', new.id);
      return null;
    end $f$;
    create or replace trigger alerts_notify_api after insert on alerts for each row execute function vigil_notify_alert();
  end $$`;

/**
 * One dedicated PostgreSQL connection that LISTENs for new alerts (LISTEN needs a session of its own;
 * a pooled connection would lose it). Reconnects with jittered backoff; re-checks for the `alerts`
 * table until the analyzer has created it.
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
      await this.ensureTrigger(client);
    } catch (err) {
      this.logger.warn(`alert listener cannot connect: ${(err as Error).message}`);
      await client.end().catch(() => undefined);
      this.schedule(backoffDelay(this.attempt++, 500, 10_000));
    }
  }

  private async ensureTrigger(client: Client): Promise<void> {
    let absent = false;
    const onNotice = (n: { message?: string }): void => {
      if (n.message === 'absent') absent = true;
    };
    client.on('notice', onNotice);
    try {
      await client.query(ENSURE_TRIGGER_SQL);
    } finally {
      client.off('notice', onNotice);
    }
    this.triggerReady = !absent;
    if (absent) {
      // The analyzer has not created `alerts` yet: look again shortly.
      const retry = setTimeout(() => {
        if (this.client === client && !this.stopped) void this.ensureTrigger(client).catch(() => undefined);
      }, 5_000);
      retry.unref();
    }
  }
}
