import { DEFAULTS, TOPICS } from '@vigil/common';
import { DEFAULT_KAFKA_VERSION } from '@vigil/kafka-server';

/** Apicurio Registry release the local stack runs unless VIGIL_APICURIO_VERSION says otherwise. */
export const DEFAULT_APICURIO_VERSION = '3.3.3';

/**
 * What the CLI takes from its environment: the versions and ports of the local stack it runs, and
 * the addresses of services that replace the local stack's own (each absent = the local one).
 */
export interface CliConfig {
  /** VIGIL_HOME: project-local state (default `<repo>/.vigil`). */
  home: string | undefined;
  /** VIGIL_KAFKA_VERSION. */
  kafkaVersion: string;
  /** VIGIL_KAFKA_PORT: client port of the first Kafka node (9092); node n adds 2(n−1). */
  kafkaPort: number;
  /** VIGIL_KAFKA_CONTROLLER_PORT: controller port of the first node (default kafkaPort + 1). */
  kafkaControllerPort: number;
  /** VIGIL_APICURIO_VERSION. */
  apicurioVersion: string;
  /** VIGIL_REGISTRY_JAVA_HOME, then JAVA_HOME: where to look for a Java the registry can run on. */
  registryJavaHomes: string[];
  /** VIGIL_REGISTRY_PORT, VIGIL_REGISTRY_BACKEND_PORT, VIGIL_REGISTRY_MANAGEMENT_PORT. */
  registryPort: number;
  registryBackendPort: number;
  registryManagementPort: number;
  /** VIGIL_POSTGRES_PORT. */
  postgresPort: number;
  /** VIGIL_AGENT_METRICS_PORT, VIGIL_ANALYZER_PORT: the local agent's and analyzer's HTTP ports. */
  agentMetricsPort: number;
  analyzerPort: number;
  /** VIGIL_DATABASE_URL: one database URL for every service and command instead of the local roles'. */
  databaseUrl: string | undefined;
  /** VIGIL_KAFKA_BROKERS, VIGIL_SCHEMA_REGISTRY_URL: another cluster and registry than the local stack's. */
  kafkaBrokers: string | undefined;
  schemaRegistryUrl: string | undefined;
  /** VIGIL_GATEWAY_URL, VIGIL_GATEWAY_TOPIC: where agents send and the gateway writes. */
  gatewayUrl: string;
  gatewayTopic: string;
  /** VIGIL_BASELINE_LEARNING_PERIOD: passed on to the analyzer when set. */
  baselineLearningPeriod: string | undefined;
  /** The CLI's own Kafka and registry logins when given (otherwise the secured local stack's admin users). */
  kafkaUsername: string | undefined;
  kafkaPassword: string | undefined;
  registryUsername: string | undefined;
  registryPassword: string | undefined;
  /** PATH: where commands the demo runs are looked up. */
  path: string;
}

type Env = Record<string, string | undefined>;

/**
 * The CLI's configuration from `env` — the only place in the CLI that reads the process
 * environment. Read when asked (cheap), so a command sees the environment it runs in. Throws one
 * error listing every malformed variable.
 */
export function cliConfig(env: Env = process.env): CliConfig {
  const problems: string[] = [];
  const port = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0 || n > 65_535) problems.push(`${name}=${raw} is not a TCP port`);
    return n;
  };
  const text = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const kafkaPort = port('VIGIL_KAFKA_PORT', 9092);
  const config: CliConfig = {
    home: text('VIGIL_HOME'),
    kafkaVersion: text('VIGIL_KAFKA_VERSION') ?? DEFAULT_KAFKA_VERSION,
    kafkaPort,
    kafkaControllerPort: port('VIGIL_KAFKA_CONTROLLER_PORT', kafkaPort + 1),
    apicurioVersion: text('VIGIL_APICURIO_VERSION') ?? DEFAULT_APICURIO_VERSION,
    registryJavaHomes: [text('VIGIL_REGISTRY_JAVA_HOME'), text('JAVA_HOME')].filter((h): h is string => h !== undefined),
    registryPort: port('VIGIL_REGISTRY_PORT', 8081),
    registryBackendPort: port('VIGIL_REGISTRY_BACKEND_PORT', 8091),
    registryManagementPort: port('VIGIL_REGISTRY_MANAGEMENT_PORT', 9081),
    postgresPort: port('VIGIL_POSTGRES_PORT', DEFAULTS.postgresPort),
    agentMetricsPort: port('VIGIL_AGENT_METRICS_PORT', 5003),
    analyzerPort: port('VIGIL_ANALYZER_PORT', 5002),
    databaseUrl: text('VIGIL_DATABASE_URL'),
    kafkaBrokers: text('VIGIL_KAFKA_BROKERS'),
    schemaRegistryUrl: text('VIGIL_SCHEMA_REGISTRY_URL'),
    gatewayUrl: text('VIGIL_GATEWAY_URL') ?? DEFAULTS.gatewayUrl,
    gatewayTopic: text('VIGIL_GATEWAY_TOPIC') ?? TOPICS.telemetry,
    baselineLearningPeriod: text('VIGIL_BASELINE_LEARNING_PERIOD'),
    kafkaUsername: text('VIGIL_KAFKA_USERNAME'),
    kafkaPassword: text('VIGIL_KAFKA_PASSWORD'),
    registryUsername: text('VIGIL_SCHEMA_REGISTRY_USERNAME'),
    registryPassword: text('VIGIL_SCHEMA_REGISTRY_PASSWORD'),
    path: text('PATH') ?? '/usr/bin:/bin',
  };
  if (problems.length > 0) throw new Error(`invalid environment: ${problems.join('; ')}`);
  return config;
}

/** The environment a child process runs with: the CLI's own, plus (overriding) `extra`. */
export function childEnv(extra: Env = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
