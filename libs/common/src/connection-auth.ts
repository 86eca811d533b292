import { readFileSync } from 'node:fs';
import type { EnvReader } from './config';

/**
 * Credentials a service uses for Kafka and the Schema Registry, read with the service's own config
 * (one EnvReader, problems listed together). All optional: without them clients connect as before
 * (the test harness's own clusters are PLAINTEXT and open). `./vigil up` gives each service its own
 * users, passwords as files under `.vigil/stack/secrets/` (mode 0600) named by the `_FILE` variables.
 *
 * | variable | meaning |
 * |---|---|
 * | `VIGIL_KAFKA_USERNAME`, `VIGIL_KAFKA_PASSWORD` | SASL user of this service (both or neither) |
 * | `VIGIL_KAFKA_PASSWORD_FILE`, `VIGIL_SCHEMA_REGISTRY_PASSWORD_FILE` | the password read from a file instead (first line; not both) |
 * | `VIGIL_KAFKA_SASL_MECHANISM` | `scram-sha-512` (default) or `scram-sha-256` |
 * | `VIGIL_KAFKA_TLS` / `VIGIL_KAFKA_TLS_CA` | TLS to the brokers (system CAs) / with this PEM CA file |
 * | `VIGIL_SCHEMA_REGISTRY_USERNAME`, `VIGIL_SCHEMA_REGISTRY_PASSWORD` | HTTP basic auth to the registry |
 */
export interface ConnectionAuth {
  kafkaSasl: { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
  kafkaTls: boolean | { ca: string };
  registryAuth: { username: string; password: string } | undefined;
}

/** `name`, or the first line of the file `name_FILE` names (a secret kept out of the environment). */
function secret(r: EnvReader, name: string): string {
  const value = r.string(name, '');
  const file = r.string(`${name}_FILE`, '');
  if (!file) return value;
  if (value) {
    r.problems.push(`${name} and ${name}_FILE: set one, not both`);
    return value;
  }
  try {
    return readFileSync(file, 'utf8').split('\n')[0]!.trim();
  } catch (err) {
    r.problems.push(`${name}_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return '';
  }
}

const pair = (r: EnvReader, user: string, pass: string): { username: string; password: string } | undefined => {
  const username = r.string(user, '');
  const password = secret(r, pass);
  if (!username && !password) return undefined;
  if (!username || !password) {
    r.problems.push(`${user} and ${pass} must be set together`);
    return undefined;
  }
  return { username, password };
};

/** Read the optional Kafka and registry credentials (see {@link ConnectionAuth}). */
export function readConnectionAuth(r: EnvReader): ConnectionAuth {
  const mechanism = r.string('VIGIL_KAFKA_SASL_MECHANISM', 'scram-sha-512');
  if (mechanism !== 'scram-sha-512' && mechanism !== 'scram-sha-256') r.problems.push(`VIGIL_KAFKA_SASL_MECHANISM: scram-sha-512 or scram-sha-256, got "${mechanism}"`);
  const sasl = pair(r, 'VIGIL_KAFKA_USERNAME', 'VIGIL_KAFKA_PASSWORD');
  const caFile = r.string('VIGIL_KAFKA_TLS_CA', '');
  let kafkaTls: ConnectionAuth['kafkaTls'] = r.bool('VIGIL_KAFKA_TLS', caFile !== '');
  if (caFile) {
    try {
      kafkaTls = { ca: readFileSync(caFile, 'utf8') };
    } catch (err) {
      r.problems.push(`VIGIL_KAFKA_TLS_CA: cannot read ${caFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  return {
    kafkaSasl: sasl ? { mechanism: mechanism as 'scram-sha-256' | 'scram-sha-512', ...sasl } : undefined,
    kafkaTls,
    registryAuth: pair(r, 'VIGIL_SCHEMA_REGISTRY_USERNAME', 'VIGIL_SCHEMA_REGISTRY_PASSWORD'),
  };
}

/** The credentials as safe to log: user names kept, passwords and CA bodies masked. */
export function describeConnectionAuth(a: ConnectionAuth): Record<string, unknown> {
  return {
    kafkaSasl: a.kafkaSasl ? { mechanism: a.kafkaSasl.mechanism, username: a.kafkaSasl.username, password: '***' } : 'none',
    kafkaTls: typeof a.kafkaTls === 'object' ? 'custom CA' : a.kafkaTls,
    registryAuth: a.registryAuth ? { username: a.registryAuth.username, password: '***' } : 'none',
  };
}
