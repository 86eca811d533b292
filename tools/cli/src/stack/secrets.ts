import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DbService } from '@vigil/db';
import { STACK_DIR } from '../paths';

const SECRETS_FILE = join(STACK_DIR, 'secrets.json');
/**
 * Kafka, registry and TOTP-key secrets, in a file of their own: versions before them rewrite
 * secrets.json with only the keys they know, which would drop (and so regenerate) these passwords
 * while a stack is shared between checkouts of different ages.
 */
const CREDENTIALS_FILE = join(STACK_DIR, 'credentials.json');
/** One file per service credential (mode 0600, directory 0700): what services are given by `_FILE` variables. */
const SECRET_FILES_DIR = join(STACK_DIR, 'secrets');

/** Kafka SASL/SCRAM users of the local stack: the operator's (CLI, tests; a super user) and one per client service. */
export const KAFKA_USERS = ['admin', 'gateway', 'analyzer', 'registry'] as const;
export type KafkaUser = (typeof KAFKA_USERS)[number];
/** Users of the Schema Registry's HTTP basic auth. */
export const REGISTRY_USERS = ['admin', 'gateway', 'analyzer'] as const;
export type RegistryUser = (typeof REGISTRY_USERS)[number];

/** Generated database credentials (random per stack, never defaults); secrets.json, mode 0600. */
export interface StackSecrets {
  /** The owner role `vigil`: migrations, the CLI's admin commands and the test harness. */
  postgresPassword: string;
  /** One login role per service (docs/security.md); added to older files on first read. */
  servicePasswords: Record<DbService, string>;
}

/** Generated Kafka, registry and TOTP-key secrets; credentials.json, mode 0600. */
export interface StackCredentials {
  /** Kafka: the brokers' own SCRAM user, the controller listener's PLAIN password, and each user's SCRAM password. */
  kafka: { brokerPassword: string; controllerPassword: string; users: Record<KafkaUser, string> };
  /** Schema Registry basic-auth passwords by user. */
  registryPasswords: Record<RegistryUser, string>;
  /** The API's AES-256-GCM key for TOTP secrets at rest (32 random bytes, base64). */
  apiTotpKey: string;
}

const generate = (): string => randomBytes(18).toString('base64url');

/**
 * Write `text` to `path` readable by its owner only, whatever the umask and whatever mode an older
 * file had: a temp file created 0600, chmod'ed again (the umask can only remove bits, but say it),
 * then renamed over the old one.
 */
export function writePrivateFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

const readJson = <T>(file: string): Partial<T> => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<T>) : {});

/** Write `value` to `file` (0600) when it differs from what is stored; make an existing file 0600. */
function persist(file: string, stored: unknown, value: unknown): void {
  if (JSON.stringify(stored) !== JSON.stringify(value)) writePrivateFile(file, JSON.stringify(value, null, 2));
  else if ((statSync(file).mode & 0o777) !== 0o600) chmodSync(file, 0o600); // an older file, or a hand copy
}

/** Read the stack's database secrets, generating what is missing on first use. */
export function stackSecrets(): StackSecrets {
  const stored = readJson<StackSecrets>(SECRETS_FILE);
  const secrets = {
    postgresPassword: stored.postgresPassword ?? generate(),
    servicePasswords: {
      gateway: stored.servicePasswords?.gateway ?? generate(),
      analyzer: stored.servicePasswords?.analyzer ?? generate(),
      api: stored.servicePasswords?.api ?? generate(),
    },
  };
  // Early builds kept the credentials below in secrets.json: they stay until credentials.json has them.
  const early = stored as Partial<StackCredentials>;
  persist(SECRETS_FILE, stored, existsSync(CREDENTIALS_FILE) || !early.kafka ? secrets : { ...early, ...secrets });
  return secrets;
}

/**
 * Read the stack's Kafka, registry and TOTP-key secrets, generating what is missing on first use
 * (only commands that use them call this: a status check of a PLAINTEXT stack writes nothing).
 */
export function stackCredentials(): StackCredentials {
  const early = readJson<StackCredentials>(SECRETS_FILE);
  const stored: Partial<StackCredentials> = { kafka: early.kafka, registryPasswords: early.registryPasswords, apiTotpKey: early.apiTotpKey, ...readJson<StackCredentials>(CREDENTIALS_FILE) };
  const credentials: StackCredentials = {
    kafka: {
      brokerPassword: stored.kafka?.brokerPassword ?? generate(),
      controllerPassword: stored.kafka?.controllerPassword ?? generate(),
      users: Object.fromEntries(KAFKA_USERS.map((u) => [u, stored.kafka?.users?.[u] ?? generate()])) as Record<KafkaUser, string>,
    },
    registryPasswords: Object.fromEntries(REGISTRY_USERS.map((u) => [u, stored.registryPasswords?.[u] ?? generate()])) as Record<RegistryUser, string>,
    apiTotpKey: stored.apiTotpKey ?? randomBytes(32).toString('base64'),
  };
  persist(CREDENTIALS_FILE, existsSync(CREDENTIALS_FILE) ? readJson(CREDENTIALS_FILE) : undefined, credentials);
  return credentials;
}

/**
 * A credential as a file of its own (`.vigil/stack/secrets/<name>`, mode 0600 in a 0700 directory),
 * rewritten only when it changed; returns its path. Services get the path (`VIGIL_*_PASSWORD_FILE`),
 * never the password in their environment.
 */
export function secretFile(name: string, value: string): string {
  mkdirSync(SECRET_FILES_DIR, { recursive: true, mode: 0o700 });
  chmodSync(SECRET_FILES_DIR, 0o700);
  const path = join(SECRET_FILES_DIR, name);
  if (!existsSync(path) || readFileSync(path, 'utf8') !== `${value}\n`) writePrivateFile(path, `${value}\n`);
  return path;
}

/** Every service's credential file (`kafka-<user>`, `registry-<user>`), written from {@link stackSecrets}; returns their paths. */
export function writeServiceSecretFiles(): Record<string, string> {
  const secrets = stackCredentials();
  const paths: Record<string, string> = {};
  for (const u of KAFKA_USERS) if (u !== 'admin') paths[`kafka-${u}`] = secretFile(`kafka-${u}`, secrets.kafka.users[u]);
  for (const u of REGISTRY_USERS) if (u !== 'admin') paths[`registry-${u}`] = secretFile(`registry-${u}`, secrets.registryPasswords[u]);
  return paths;
}
