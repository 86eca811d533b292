import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isLoopbackHost, readAgentConfigText, setAgentConfigValue } from '@vigil/common';
import { EndpointsRepository, applyServiceGrants, createPool, hashEndpointKey, migrate, type DbService } from '@vigil/db';
import { AGENT_NODE_FLAGS } from './commands/agent';
import { enrolEndpoint } from './commands/endpoint';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './paths';
import type { ComponentStatus } from './stack/component';
import { localStack } from './stack';
import { runningPid, startDetached, stopProcess, tailLog, waitFor } from './stack/processes';
import { readClusterConfig } from './stack/kafka';
import { secretFile, stackCredentials, writeServiceSecretFiles, type KafkaUser, type RegistryUser } from './stack/secrets';
import { logFile, VIGIL_HOME, VIGIL_VERSION } from './paths';
import { cliConfig } from './config/cli.config';

/** One of Vigil's own long-running services, started by `./vigil up`. */
export interface ServiceSpec {
  name: string;
  /** Entry point relative to the repository root; a service whose build is absent is skipped. */
  entry: string;
  args?: string[];
  /** Flags for node itself, before the entry point. */
  nodeFlags?: string[];
  /** Health URL (HTTP 200 = healthy). */
  healthUrl: string;
  /** Address shown to the operator. */
  url: string;
  /** Only when running as root (the agent). */
  rootOnly?: boolean;
  env?: () => Record<string, string>;
  /** The service's own PostgreSQL login role (docs/security.md); none = no database. */
  db?: DbService;
  /** Its own Kafka SCRAM user and Schema Registry user (docs/security.md); none = no Kafka. */
  kafkaUser?: KafkaUser & RegistryUser;
  /** Preparation before the first start (e.g. enrolling the local agent); `progress` tells the operator. */
  prepare?: (progress: (message: string) => void) => Promise<void>;
}

/** The local agent's enrolment: config file (holds the key, mode 0600) and spool under .vigil/agent. */
export const LOCAL_AGENT_DIR = join(VIGIL_HOME, 'agent');
export const LOCAL_AGENT_CONFIG = join(LOCAL_AGENT_DIR, 'agent.conf');
const LOCAL_AGENT_METRICS_PORT = cliConfig().agentMetricsPort;
/** Health and metrics of the local stream analyzer. */
const LOCAL_ANALYZER_PORT = cliConfig().analyzerPort;

/** Files under `dir` (0 when it does not exist). */
function countFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).length;
}

/**
 * Forget the local agent's enrolment: its config (key) and its spool (batches of that endpoint,
 * which no gateway would accept any more). Returns a sentence saying what was discarded.
 */
export function discardLocalAgent(why: string): string | undefined {
  if (!existsSync(LOCAL_AGENT_DIR)) return undefined;
  const settings = existsSync(LOCAL_AGENT_CONFIG) ? localAgentSettings(readFileSync(LOCAL_AGENT_CONFIG, 'utf8')) : new Map<string, string>();
  const id = settings.get('id');
  const spool = settings.get('spool_dir') ?? join(LOCAL_AGENT_DIR, 'spool');
  const spooled = countFiles(spool);
  rmSync(LOCAL_AGENT_CONFIG, { force: true });
  // only a spool under .vigil/agent is ours to delete; one elsewhere is reported, not touched
  const ours = resolve(spool).startsWith(`${resolve(LOCAL_AGENT_DIR)}/`);
  if (ours) rmSync(spool, { recursive: true, force: true });
  const what = ours ? `its spool (${spooled} file${spooled === 1 ? '' : 's'} of the old endpoint) discarded` : `its spool at ${spool} left in place (delete it by hand)`;
  return `local agent${id ? ` (endpoint ${id})` : ''}: ${why}; enrolment removed, ${what}`;
}

/** The settings of the local agent's config; none when it is not a config file (it is then enrolled again). */
function localAgentSettings(text: string): Map<string, string> {
  try {
    return readAgentConfigText(text);
  } catch {
    return new Map();
  }
}

/** The local agent's endpoint id (from the config `./vigil up` wrote), if there is one. */
export function localAgentEndpointId(): string | undefined {
  return existsSync(LOCAL_AGENT_CONFIG) ? localAgentSettings(readFileSync(LOCAL_AGENT_CONFIG, 'utf8')).get('id') || undefined : undefined;
}

/** Whether the local agent's config names an active endpoint of this database with its key. */
async function localEnrolmentValid(text: string): Promise<boolean> {
  const settings = localAgentSettings(text);
  const id = settings.get('id');
  const key = settings.get('key');
  if (!id || !key) return false;
  const pool = createPool(cliConfig().databaseUrl ?? localStack().postgres.url(), { max: 1, application_name: 'vigil-cli' });
  try {
    return (await new EndpointsRepository(pool).activeIdByKeyHash(hashEndpointKey(key))) === id;
  } catch {
    return true; // the endpoints table is not there yet or the database is unreachable: nothing to judge by; the agent reports it
  } finally {
    await pool.end();
  }
}

async function enrolLocalAgent(progress: (message: string) => void): Promise<void> {
  if (existsSync(LOCAL_AGENT_CONFIG) && !(await localEnrolmentValid(readFileSync(LOCAL_AGENT_CONFIG, 'utf8')))) {
    // e.g. after `./vigil stack reset` (the database and its endpoints are gone) or the endpoint was deleted
    const note = discardLocalAgent('its endpoint key is not active in this database (stack reset or endpoint deleted), enrolling again');
    if (note) {
      progress(note);
      console.error(note);
    }
  }
  if (existsSync(LOCAL_AGENT_CONFIG)) {
    // Configs enrolled before the agent refused plain http lack the opt-in its loopback gateway needs.
    const text = readFileSync(LOCAL_AGENT_CONFIG, 'utf8');
    const settings = localAgentSettings(text);
    const api = settings.get('api');
    if (api?.startsWith('http:') && isLoopbackHost(api) && !settings.has('insecure_http')) {
      writeFileSync(LOCAL_AGENT_CONFIG, setAgentConfigValue(text, 'insecure_http', 'true', 'Plain http to a loopback gateway (local use only).'), { mode: 0o600 });
    }
    return;
  }
  mkdirSync(LOCAL_AGENT_DIR, { recursive: true, mode: 0o700 });
  const { config } = await enrolEndpoint(hostname(), cliConfig().gatewayUrl, {
    spoolDir: join(LOCAL_AGENT_DIR, 'spool'),
    metricsPort: LOCAL_AGENT_METRICS_PORT,
  });
  writeFileSync(LOCAL_AGENT_CONFIG, config, { mode: 0o600 });
}

/** Environment every service gets: the local stack's addresses (each overridable, see README). */
export function stackEnv(): Record<string, string> {
  const { postgres, kafkaBootstrap, registry } = localStack();
  const config = cliConfig();
  return {
    VIGIL_KAFKA_BROKERS: config.kafkaBrokers ?? kafkaBootstrap,
    VIGIL_SCHEMA_REGISTRY_URL: config.schemaRegistryUrl ?? registry.url,
    VIGIL_DATABASE_URL: config.databaseUrl ?? postgres.url(),
    ...(config.baselineLearningPeriod ? { VIGIL_BASELINE_LEARNING_PERIOD: config.baselineLearningPeriod } : {}),
  };
}

/**
 * Whether the local stack's Kafka and registry ask for credentials (a cluster formatted, or moved,
 * with SASL) and the operator has not pointed Vigil at another Kafka (VIGIL_KAFKA_BROKERS).
 */
function localStackSecured(): boolean {
  return !cliConfig().kafkaBrokers && readClusterConfig()?.sasl !== undefined;
}

/**
 * A service's Kafka and registry credentials on the secured local stack: its user names and the
 * paths of its 0600 password files (`VIGIL_*_PASSWORD_FILE`, read by its config), never the passwords.
 */
export function serviceCredentialsEnv(user: KafkaUser & RegistryUser): Record<string, string> {
  if (!localStackSecured()) return {};
  const files = writeServiceSecretFiles();
  return {
    VIGIL_KAFKA_USERNAME: user,
    VIGIL_KAFKA_PASSWORD_FILE: files[`kafka-${user}`]!,
    VIGIL_SCHEMA_REGISTRY_USERNAME: user,
    VIGIL_SCHEMA_REGISTRY_PASSWORD_FILE: files[`registry-${user}`]!,
  };
}

/**
 * The CLI's own Kafka and registry credentials (`fleet`, tests through libs/testing): the `admin`
 * users of the secured local stack, or VIGIL_KAFKA_USERNAME/PASSWORD and
 * VIGIL_SCHEMA_REGISTRY_USERNAME/PASSWORD when given.
 */
export function cliCredentials(): { kafkaSasl?: { mechanism: 'scram-sha-512'; username: string; password: string }; registryAuth?: { username: string; password: string } } {
  const c = cliConfig();
  const out: ReturnType<typeof cliCredentials> = {};
  if (c.kafkaUsername && c.kafkaPassword) out.kafkaSasl = { mechanism: 'scram-sha-512', username: c.kafkaUsername, password: c.kafkaPassword };
  if (c.registryUsername && c.registryPassword) out.registryAuth = { username: c.registryUsername, password: c.registryPassword };
  if (localStackSecured()) {
    const secrets = stackCredentials();
    out.kafkaSasl ??= { mechanism: 'scram-sha-512', username: 'admin', password: secrets.kafka.users.admin };
    out.registryAuth ??= { username: 'admin', password: secrets.registryPasswords.admin };
  }
  return out;
}

/**
 * The database URL a service runs with: its own role's, unless VIGIL_DATABASE_URL is set (then every
 * service uses that one, as before roles existed: an operator's explicit choice).
 */
export function serviceDatabaseUrl(db: DbService): string {
  return cliConfig().databaseUrl ?? localStack().postgres.serviceUrl(db);
}

/**
 * Before any service starts: every migration applied by the owner (libs/db's: all DDL lives there),
 * the first admin created (the API's CLI), then each service role's grants re-applied for the
 * tables as they now are. Services then find nothing to migrate, which their own roles could not do.
 * Returns the first admin's credentials when it was created now.
 */
export async function prepareDatabase(ensureAdmin: (() => { created: boolean; username?: string; password?: string }) | undefined): Promise<{ created: boolean; username?: string; password?: string } | undefined> {
  const pool = createPool(stackEnv().VIGIL_DATABASE_URL!, { max: 2, application_name: 'vigil-cli-migrate' });
  try {
    await migrate(pool);
    const admin = ensureAdmin?.();
    if (!cliConfig().databaseUrl) await applyServiceGrants(pool);
    return admin;
  } finally {
    await pool.end();
  }
}

/**
 * The services `./vigil up` runs, in start order. Each app adds itself here when it lands;
 * an app whose `dist/` does not exist yet is reported as not built, not silently ignored.
 */
export const SERVICES: ServiceSpec[] = [
  { name: 'ingest-gateway', entry: 'apps/ingest-gateway/dist/main.js', healthUrl: 'http://127.0.0.1:5001/healthz', url: 'http://127.0.0.1:5001', db: 'gateway', kafkaUser: 'gateway' },
  {
    name: 'stream-analyzer',
    entry: 'apps/stream-analyzer/dist/main.js',
    args: ['run'],
    healthUrl: `http://127.0.0.1:${LOCAL_ANALYZER_PORT}/healthz`,
    url: `http://127.0.0.1:${LOCAL_ANALYZER_PORT}/metrics`,
    env: () => ({ VIGIL_ANALYZER_PORT: String(LOCAL_ANALYZER_PORT) }),
    db: 'analyzer',
    kafkaUser: 'analyzer',
  },
  {
    name: 'api',
    entry: 'apps/api/dist/main.js',
    healthUrl: 'http://127.0.0.1:3000/api/healthz',
    url: 'http://127.0.0.1:3000',
    db: 'api',
    // The key of the TOTP secrets at rest, as a 0600 file (docs/security.md).
    env: () => ({ VIGIL_TOTP_KEY_FILE: secretFile('api-totp-key', stackCredentials().apiTotpKey) }),
  },
  {
    name: 'agent',
    entry: 'apps/agent/dist/main.js',
    nodeFlags: AGENT_NODE_FLAGS,
    args: ['run', '--config', LOCAL_AGENT_CONFIG],
    healthUrl: `http://127.0.0.1:${LOCAL_AGENT_METRICS_PORT}/healthz`,
    url: `http://127.0.0.1:${LOCAL_AGENT_METRICS_PORT}/metrics`,
    rootOnly: true,
    prepare: enrolLocalAgent,
  },
];

export function serviceBuilt(s: ServiceSpec): boolean {
  return existsSync(resolve(REPO_ROOT, s.entry));
}

async function healthy(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.ok;
}

export async function startService(s: ServiceSpec, progress: (m: string) => void): Promise<void> {
  if (runningPid(s.name) === undefined) {
    if (s.prepare) await s.prepare(progress);
    progress(`starting ${s.name}`);
    startDetached({
      name: s.name,
      command: process.execPath,
      args: ['--enable-source-maps', ...(s.nodeFlags ?? []), resolve(REPO_ROOT, s.entry), ...(s.args ?? [])],
      env: {
        ...stackEnv(),
        ...(s.db ? { VIGIL_DATABASE_URL: serviceDatabaseUrl(s.db) } : {}),
        ...(s.kafkaUser ? serviceCredentialsEnv(s.kafkaUser) : {}),
        ...(s.env?.() ?? {}),
      },
      cwd: REPO_ROOT,
    });
  }
  try {
    await waitFor(s.name, () => healthy(s.healthUrl), { timeoutMs: 60_000, alive: () => runningPid(s.name) !== undefined });
  } catch (err) {
    throw new Error(
      `${s.name} did not become healthy: ${(err as Error).message}\n--- last lines of ${logFile(s.name)} ---\n${tailLog(s.name, 30)}`,
    );
  }
}

export async function serviceStatus(s: ServiceSpec): Promise<ComponentStatus> {
  const pid = runningPid(s.name);
  const base = { name: s.name, version: VIGIL_VERSION, url: s.url, pid };
  if (!serviceBuilt(s)) return { ...base, state: 'stopped', detail: 'not built' };
  if (pid === undefined) return { ...base, state: 'stopped' };
  const ok = await healthy(s.healthUrl).catch(() => false);
  return { ...base, state: ok ? 'healthy' : 'unhealthy', detail: ok ? undefined : tailLog(s.name, 5) };
}

export async function stopServices(): Promise<string[]> {
  const stopped: string[] = [];
  for (const s of [...SERVICES].reverse()) {
    if (await stopProcess(s.name, 20_000)) stopped.push(s.name);
  }
  return stopped;
}
