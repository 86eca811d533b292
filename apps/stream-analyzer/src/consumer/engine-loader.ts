import type { FleetCache } from '../baselines/fleet-cache';
import type { DetectionEngine } from '../detection/engine';
import { programIdentity } from '../detection/identity';
import type { TelemetryBatch } from '../detection/telemetry';
import type { AnalyzerRepository } from '../repositories/analyzer.repository';

/** Run a database read on behalf of one partition's run (the consumer retries it while the partition is its own). */
export type DatabaseRead = <T>(what: string, read: () => Promise<T>) => Promise<T>;

/**
 * What the one engine of this instance holds, for which partition: endpoints' checkpoints are loaded
 * from the database before a run needs them, and forgotten when their partition goes or a run's
 * effects were not committed, so that the next run starts from exactly what was committed.
 */
export class EngineLoader {
  /** Endpoints whose checkpoints are loaded into the engine → their partition. */
  private readonly loaded = new Map<string, number>();

  constructor(
    private readonly engine: DetectionEngine,
    private readonly fleet: FleetCache,
    private readonly repo: AnalyzerRepository,
  ) {}

  /**
   * Before a run of `partition`: load the checkpoints of `endpoints` not held yet, and the fleet
   * baselines of programs in `batches` new to their endpoint (a new program starts from them).
   */
  async load(partition: number, endpoints: Set<string>, batches: TelemetryBatch[], read: DatabaseRead): Promise<void> {
    const missing = [...endpoints].filter((e) => !this.loaded.has(e));
    if (missing.length > 0) {
      const rows = await read('loading baselines', () => this.repo.checkpoints(missing));
      for (const r of rows) this.engine.restoreCheckpoint(r.endpointId, r.state);
      const states = await read('loading endpoint learning state', () => this.repo.endpointStates(missing));
      for (const r of states) this.engine.restoreEndpoint(r.endpointId, r.state);
      for (const e of missing) this.loaded.set(e, partition);
    }
    const newPrograms = new Set<string>();
    for (const b of batches) for (const p of b.processes) {
      const key = programIdentity(p).key;
      if (!this.engine.baseline(b.endpointId, key)) newPrograms.add(key);
    }
    const lookups = this.fleet.missing(newPrograms);
    if (lookups.length > 0) {
      const rows = await read('loading fleet baselines', () => this.repo.fleetCheckpoints(lookups, [...endpoints]));
      this.fleet.put(lookups, rows);
    }
  }

  /** Drop what the engine holds for `endpoints` (reloaded from the database by the next run that needs them). */
  forget(endpoints: Iterable<string>): void {
    const set = new Set(endpoints);
    this.engine.forget((e) => set.has(e));
    for (const e of set) this.loaded.delete(e);
  }

  /** Drop what the engine holds for the endpoints loaded for `partition`, and for `also`. */
  forgetPartition(partition: number, also: Iterable<string>): void {
    const endpoints = new Set(also);
    for (const [e, p] of this.loaded) if (p === partition) endpoints.add(e);
    this.forget(endpoints);
  }
}
