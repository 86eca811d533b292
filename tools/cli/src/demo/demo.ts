import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool } from '@vigil/db';
import { runProgram, unavailable, type Simulation } from './simulations';

/** What happened to one simulation. */
export interface DemoRun {
  sim: Simulation;
  /** Why it was not run (root, a missing program), or undefined. */
  skipped?: string;
  /** The simulation itself failed (its error message). */
  error?: string;
}

/** Run the simulations one after another, each in its own temporary directory, removed afterwards. */
export async function runSimulations(sims: Simulation[], log: (line: string) => void = () => undefined): Promise<DemoRun[]> {
  const out: DemoRun[] = [];
  for (const [i, sim] of sims.entries()) {
    log(`[${i + 1}/${sims.length}] ${sim.technique}  ${sim.title}`);
    const skipped = unavailable(sim);
    if (skipped) {
      log(`        skipped: ${skipped}`);
      out.push({ sim, skipped });
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
    try {
      await sim.run({ dir, run: runProgram });
      log(`        did: ${sim.does}`);
      out.push({ sim });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log(`        failed: ${error}`);
      out.push({ sim, error });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    log(`        expects: ${sim.expect.join(' or ')}`);
  }
  return out;
}

/** The outcome of one simulation after waiting for its alerts. */
export interface CheckRow {
  id: string;
  technique: string;
  title: string;
  status: 'appeared' | 'missing' | 'skipped' | 'failed';
  /** The alert that showed it (rule id, severity, title). */
  alert?: { kind: string; severity: string; title: string };
  detail?: string;
}

/** One alert row as `--check` reads it. */
interface AlertRow {
  kind: string;
  severity: string;
  title: string;
}

/**
 * Wait until every simulation that ran has raised one of its expected alerts (kind = rule id) at or
 * after `since` (optionally on one endpoint), or until the timeout.
 */
export async function checkAlerts(
  databaseUrl: string,
  runs: DemoRun[],
  opts: { since: Date; endpointId?: string; timeoutMs: number; pollMs?: number; progress?: (waitingFor: string[]) => void },
): Promise<CheckRow[]> {
  const pool = createPool(databaseUrl, { max: 1 });
  const kinds = [...new Set(runs.flatMap((r) => r.sim.expect))];
  const found = new Map<string, AlertRow>();
  const waitingFor = () => runs.filter((r) => !r.skipped && !r.error && !r.sim.expect.some((k) => found.has(k))).map((r) => r.sim.id);
  const deadline = Date.now() + opts.timeoutMs;
  try {
    for (;;) {
      const params: unknown[] = [kinds, opts.since];
      let sql = 'select kind, severity, title from alerts where kind = any($1::text[]) and time >= $2';
      if (opts.endpointId) {
        params.push(opts.endpointId);
        sql += ' and endpoint_id = $3';
      }
      const rows = (await pool.query<AlertRow>(`${sql} order by time`, params)).rows;
      for (const r of rows) if (!found.has(r.kind)) found.set(r.kind, r);
      const waiting = waitingFor();
      if (waiting.length === 0 || Date.now() >= deadline) break;
      opts.progress?.(waiting);
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 2_000));
    }
  } finally {
    await pool.end();
  }
  return runs.map((r): CheckRow => {
    const base = { id: r.sim.id, technique: r.sim.technique, title: r.sim.title };
    if (r.skipped) return { ...base, status: 'skipped', detail: r.skipped };
    if (r.error) return { ...base, status: 'failed', detail: r.error };
    const kind = r.sim.expect.find((k) => found.has(k));
    if (kind) return { ...base, status: 'appeared', alert: found.get(kind)! };
    return { ...base, status: 'missing', detail: `no ${r.sim.expect.join(' or ')} alert` };
  });
}
