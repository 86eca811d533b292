/** A dependency problem the service is living with (and retrying). */
export interface Degradation {
  reason: string;
  since: string;
}

/**
 * What the service knows about its own state: dependencies it is retrying, set and cleared by the
 * component that saw the failure (never guessed by probing alone).
 */
export class HealthState {
  private readonly problems = new Map<string, Degradation>();
  constructor(private readonly onChange: (dependency: string, degraded: boolean) => void = () => undefined) {}

  /** `dependency` is failing because of `reason` (keeps the first `since`). */
  degrade(dependency: string, reason: string): void {
    const prev = this.problems.get(dependency);
    this.problems.set(dependency, { reason, since: prev?.since ?? new Date().toISOString() });
    if (!prev) this.onChange(dependency, true);
  }

  /** `dependency` works again. */
  recover(dependency: string): void {
    if (this.problems.delete(dependency)) this.onChange(dependency, false);
  }

  get degraded(): Record<string, Degradation> {
    return Object.fromEntries(this.problems);
  }

  get ok(): boolean {
    return this.problems.size === 0;
  }
}
