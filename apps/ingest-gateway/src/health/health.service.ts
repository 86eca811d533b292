import { errorMessage } from '@vigil/common';

/** One dependency's health. */
export interface CheckResult {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/** Named probes; each must resolve (healthy) or throw within its timeout. */
export type Probes = Record<string, () => Promise<unknown>>;

/** `ok`: every probe passed; `degraded`: only optional ones failed (still serving); `unavailable`: a required one failed. */
export type HealthStatus = 'ok' | 'degraded' | 'unavailable';

/**
 * Runs the dependency probes (Kafka, registry, database) with a timeout, caching results for 1 s.
 * A failing `optional` probe makes the service degraded, not unavailable: it keeps serving.
 */
export class HealthService {
  private last: { at: number; result: Record<string, CheckResult> } | undefined;
  private running: Promise<Record<string, CheckResult>> | undefined;
  private readonly optional: Set<string>;
  private readonly timeoutMs: number;

  constructor(
    private readonly probes: Probes,
    options: { optional?: string[]; timeoutMs?: number } = {},
  ) {
    this.optional = new Set(options.optional ?? []);
    this.timeoutMs = options.timeoutMs ?? 2_000;
  }

  async check(): Promise<{ ok: boolean; status: HealthStatus; checks: Record<string, CheckResult> }> {
    if (!this.last || Date.now() - this.last.at > 1_000) {
      this.running ??= this.runAll().finally(() => (this.running = undefined));
      this.last = { at: Date.now(), result: await this.running };
    }
    const checks = this.last.result;
    const failed = Object.entries(checks).filter(([, c]) => !c.ok);
    const status: HealthStatus = failed.length === 0 ? 'ok' : failed.every(([name]) => this.optional.has(name)) ? 'degraded' : 'unavailable';
    return { ok: status !== 'unavailable', status, checks };
  }

  private async runAll(): Promise<Record<string, CheckResult>> {
    const entries = await Promise.all(
      Object.entries(this.probes).map(async ([name, probe]): Promise<[string, CheckResult]> => {
        const started = Date.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([probe(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs)))]);
          return [name, { ok: true, latencyMs: Date.now() - started }];
        } catch (err) {
          return [name, { ok: false, latencyMs: Date.now() - started, error: errorMessage(err) }];
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return Object.fromEntries(entries);
  }
}
