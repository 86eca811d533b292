// Only this file talks to the Schema Registry. The client is imported from its own module: the
// package index also loads every cloud KMS SDK (≈1 s and tens of MB at start-up) that we never use.
import { Compatibility, SchemaRegistryClient } from '@confluentinc/schemaregistry/dist/schemaregistry-client';
import { RestError } from '@confluentinc/schemaregistry/dist/rest-error';
import avro, { type Type } from 'avsc';
import { SchemaError } from './errors';

export { SchemaRegistryClient } from '@confluentinc/schemaregistry/dist/schemaregistry-client';

/** An Avro schema document (what an .avsc file holds). */
export type AvroSchema = Record<string, unknown>;

/** A parsed Avro type (what {@link avroType} and {@link SubjectSchemas.typeOf} return). */
export type AvroType = Type;

/** Subject of a topic's values under the TopicNameStrategy (`<topic>-value`). */
export function subjectForTopic(topic: string): string {
  return `${topic}-value`;
}

/**
 * A registry client for `url`, which is the full base of the Confluent-compatible API and may
 * carry a path prefix (e.g. Apicurio's `http://host:8080/apis/ccompat/v7`).
 */
export function createRegistryClient(url: string, options: { timeoutMs?: number; maxRetries?: number; auth?: { username: string; password: string } } = {}): SchemaRegistryClient {
  return new SchemaRegistryClient({
    baseURLs: [url.replace(/\/+$/, '')],
    // HTTP basic auth when the registry sits behind credentials (the service's own user).
    ...(options.auth ? { basicAuthCredentials: { credentialsSource: 'USER_INFO' as const, userInfo: `${options.auth.username}:${options.auth.password}` } } : {}),
    createAxiosDefaults: { timeout: options.timeoutMs ?? 5_000 },
    maxRetries: options.maxRetries ?? 1,
    retriesWaitMs: 100,
    retriesMaxWaitMs: 1_000,
    cacheCapacity: 1_000,
  });
}

/** Parse an Avro schema into an avsc type (longs as JS numbers, logical types as their base type). */
export function avroType(schema: AvroSchema | string): Type {
  return avro.Type.forSchema((typeof schema === 'string' ? JSON.parse(schema) : schema) as avro.Schema);
}

/** HTTP status of a registry error, or undefined when the registry was not reached at all. */
function restStatus(err: unknown): number | undefined {
  if (err instanceof RestError) return err.status;
  const s = (err as { status?: unknown; response?: { status?: unknown } })?.response?.status ?? (err as { status?: unknown })?.status;
  return typeof s === 'number' ? s : undefined;
}

/** Wrap an error from the client into a SchemaError (unreachable / 5xx → retriable REGISTRY_UNAVAILABLE). */
export function registryError(err: unknown, what: string): SchemaError {
  if (err instanceof SchemaError) return err;
  const status = restStatus(err);
  const message = err instanceof Error ? err.message : String(err);
  if (status === 409 || status === 422) return new SchemaError('SCHEMA_INCOMPATIBLE', `${what}: ${message}`, false, { cause: err });
  if (status === 404) return new SchemaError('SCHEMA_UNKNOWN', `${what}: ${message}`, false, { cause: err });
  return new SchemaError('REGISTRY_UNAVAILABLE', `${what}: ${message}`, status === undefined || status >= 500, { cause: err });
}

/**
 * Register `schema` as the value schema of `topic` (subject `<topic>-value`) with compatibility
 * BACKWARD_TRANSITIVE (every new version must read data written by all previous ones). Idempotent:
 * registering an existing schema returns its id. An incompatible schema → SCHEMA_INCOMPATIBLE.
 */
export async function registerValueSchema(client: SchemaRegistryClient, topic: string, schema: AvroSchema): Promise<number> {
  const subject = subjectForTopic(topic);
  avroType(schema); // refuse an invalid schema before the registry sees it
  try {
    await client.updateCompatibility(subject, Compatibility.BACKWARD_TRANSITIVE);
  } catch (err) {
    throw registryError(err, `setting compatibility of ${subject}`);
  }
  try {
    return await client.register(subject, { schemaType: 'AVRO', schema: JSON.stringify(schema) }, false);
  } catch (err) {
    throw registryError(err, `registering a schema under ${subject}`);
  }
}

/** Id of `schema` if it is registered under `topic`'s value subject (SCHEMA_UNKNOWN otherwise). */
export async function lookupValueSchemaId(client: SchemaRegistryClient, topic: string, schema: AvroSchema): Promise<number> {
  const subject = subjectForTopic(topic);
  try {
    return await client.getId(subject, { schemaType: 'AVRO', schema: JSON.stringify(schema) }, false);
  } catch (err) {
    throw registryError(err, `looking up a schema under ${subject}`);
  }
}

/** Compatibility level configured on `topic`'s value subject. */
export async function valueCompatibility(client: SchemaRegistryClient, topic: string): Promise<string> {
  try {
    return await client.getCompatibility(subjectForTopic(topic));
  } catch (err) {
    throw registryError(err, `reading compatibility of ${subjectForTopic(topic)}`);
  }
}

/**
 * The writer schemas of one subject, by schema id: answers "does id N belong to this subject, and
 * what is its schema?" from memory, asking the registry again only for unknown ids and at most
 * once per `minRefreshMs` (so a flood of bogus ids cannot hammer the registry).
 */
export class SubjectSchemas {
  private readonly byId = new Map<number, Type>();
  private lastRefresh = 0;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly client: SchemaRegistryClient,
    readonly subject: string,
    private readonly minRefreshMs = 2_000,
  ) {}

  /** Writer type of `schemaId`; SCHEMA_UNKNOWN when the id is not a version of this subject. */
  async typeOf(schemaId: number): Promise<Type> {
    const known = this.byId.get(schemaId);
    if (known) return known;
    if (Date.now() - this.lastRefresh >= this.minRefreshMs) await this.refresh();
    const found = this.byId.get(schemaId);
    if (!found) throw new SchemaError('SCHEMA_UNKNOWN', `schema id ${schemaId} is not a version of ${this.subject}`);
    return found;
  }

  /** Ids known so far. */
  knownIds(): number[] {
    return [...this.byId.keys()];
  }

  /** Re-read the subject's versions from the registry (concurrent callers share one round). */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    let versions: number[];
    try {
      versions = await this.client.getAllVersions(this.subject);
    } catch (err) {
      const e = registryError(err, `listing versions of ${this.subject}`);
      if (e.code !== 'SCHEMA_UNKNOWN') throw e;
      versions = []; // subject does not exist (yet)
    }
    this.lastRefresh = Date.now();
    for (const version of versions) {
      try {
        const meta = await this.client.getSchemaMetadata(this.subject, version, false);
        if (meta.id !== undefined && !this.byId.has(meta.id)) this.byId.set(meta.id, avroType(meta.schema));
      } catch (err) {
        throw registryError(err, `reading version ${version} of ${this.subject}`);
      }
    }
  }
}
