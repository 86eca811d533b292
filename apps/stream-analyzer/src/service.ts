/** The long-running consumer (see kafka/). */
export async function runService(): Promise<void> {
  throw new Error('the telemetry consumer is not wired yet');
}
