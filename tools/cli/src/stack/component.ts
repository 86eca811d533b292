/** Health of one stack component or service, as `status` prints it. */
export interface ComponentStatus {
  name: string;
  state: 'healthy' | 'unhealthy' | 'stopped';
  version: string;
  url: string;
  pid?: number;
  detail?: string;
}

/** Progress callback for slow steps (downloads, first start). */
export type Progress = (message: string) => void;

/** A locally managed server of the stack (Kafka, Schema Registry, PostgreSQL). */
export interface StackComponent {
  readonly name: string;
  /** TCP ports it listens on; checked free before anything starts. */
  readonly ports: number[];
  /** Names of the supervised processes it runs (pid files); default: its own name. */
  readonly processNames?: string[];
  /** Download/prepare whatever is missing. Idempotent and fast when done already. */
  install(progress: Progress): Promise<void>;
  /** True when our recorded process is alive. */
  isRunning(): boolean;
  /** Start it (when not running) and wait until it is healthy. */
  start(progress: Progress): Promise<void>;
  /** Post-start set-up that must happen every `up` (topics, databases…). Idempotent. */
  provision?(progress: Progress): Promise<void>;
  status(): Promise<ComponentStatus>;
  stop(): Promise<void>;
}
