import type { ComponentStatus, Progress, StackComponent } from './component';
import type { KafkaComponent } from './kafka';
import type { PostgresComponent } from './postgres';
import { runningPid } from './processes';

/** Confluent-API-compatible Schema Registry on 127.0.0.1:8081 (recipe pending). */
export class RegistryComponent implements StackComponent {
  readonly name = 'registry';
  readonly port = Number(process.env.VIGIL_REGISTRY_PORT ?? 8081);
  readonly ports = [this.port];
  readonly url = `http://127.0.0.1:${this.port}`;
  constructor(
    private readonly kafka: KafkaComponent,
    private readonly postgres: PostgresComponent,
  ) {}
  async install(_p: Progress): Promise<void> {}
  isRunning(): boolean {
    return runningPid(this.name) !== undefined;
  }
  async start(_p: Progress): Promise<void> {
    void this.kafka;
    void this.postgres;
  }
  async status(): Promise<ComponentStatus> {
    return { name: this.name, state: 'stopped', version: '', url: 'http://127.0.0.1:8081' };
  }
  async stop(): Promise<void> {}
}
