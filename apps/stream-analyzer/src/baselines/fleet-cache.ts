import { ProgramBaseline } from '../detection/baseline';
import { fleetBaseline, type FleetBaselines, type ProgramCheckpoint } from '../detection/engine';

/**
 * Fleet baselines by program key, built from other endpoints' checkpoints and kept for `ttlMs`;
 * "no usable fleet baseline yet" (none, or one that does not qualify for a warm start: still learning,
 * too few runs or endpoints) is kept only `absentTtlMs`, since a program spreading over the fleet soon
 * gets one — caching an unqualified one for `ttlMs` kept new endpoints learning for minutes. Lookups happen only when a program first appears on an endpoint. The engine reads it
 * synchronously; the consumer fills it before each run of batches ({@link missing}, {@link put}).
 */
export class FleetCache implements FleetBaselines {
  private readonly entries = new Map<string, { at: number; baseline: ProgramBaseline | undefined }>();
  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly absentTtlMs = 30_000,
    private readonly now: () => number = Date.now,
    /** Whether a fleet baseline can warm-start an endpoint (the engine's fleetQualifies). */
    private readonly usable: (b: ProgramBaseline) => boolean = (b) => b.active,
  ) {}

  get(programKey: string): ProgramBaseline | undefined {
    return this.entries.get(programKey)?.baseline;
  }

  /** Keys among `programKeys` with no fresh entry. */
  missing(programKeys: Iterable<string>): string[] {
    const t = this.now();
    return [...new Set(programKeys)].filter((k) => {
      const e = this.entries.get(k);
      return !e || t - e.at > (e.baseline && this.usable(e.baseline) ? this.ttlMs : this.absentTtlMs);
    });
  }

  /** Store the fleet baseline of each of `programKeys` merged from `checkpoints` (none → absent). */
  put(programKeys: string[], checkpoints: { programKey: string; state: ProgramCheckpoint }[]): void {
    const t = this.now();
    for (const key of programKeys) {
      const parts = checkpoints.filter((c) => c.programKey === key).map((c) => ProgramBaseline.fromJSON(c.state.baseline));
      this.entries.set(key, { at: t, baseline: fleetBaseline(parts) });
    }
    if (this.entries.size > 50_000) for (const [k, e] of this.entries) if (t - e.at > this.ttlMs) this.entries.delete(k);
  }
}
