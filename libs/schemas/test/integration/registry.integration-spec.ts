import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackUrls, uniqueName } from '@vigil/testing';
import {
  SchemaError,
  SubjectSchemas,
  WireDecoder,
  WireEncoder,
  createRegistryClient,
  decodeWireHeader,
  lookupValueSchemaId,
  registerValueSchema,
  subjectForTopic,
  valueCompatibility,
  type AvroSchema,
  type SchemaRegistryClient,
} from '../../src';

// Schema evolution against the real registry, on a subject of its own (a topic name nobody uses).
const v1: AvroSchema = {
  type: 'record',
  name: 'Probe',
  namespace: 'dev.vigil.test.v1',
  fields: [
    { name: 'endpointId', type: 'string' },
    { name: 'count', type: 'long' },
  ],
};
const v2: AvroSchema = { ...v1, fields: [...(v1.fields as object[]), { name: 'note', type: ['null', 'string'], default: null }] };
/** Adds a required field without a default: a v2 reader could not read v1 data. */
const incompatible: AvroSchema = { ...v1, fields: [...(v1.fields as object[]), { name: 'mandatory', type: 'string' }] };

describe('schema registry helpers (real registry)', () => {
  let client: SchemaRegistryClient;
  const topic = uniqueName('vigil.test.schemas');

  beforeAll(() => {
    client = createRegistryClient(stackUrls().schemaRegistryUrl, { auth: stackUrls().registryAuth });
  });
  afterAll(async () => {
    await client.deleteSubject(subjectForTopic(topic), false).catch(() => undefined);
    await client.deleteSubject(subjectForTopic(topic), true).catch(() => undefined);
  });

  it('registers by TopicNameStrategy with BACKWARD_TRANSITIVE, accepts v2 (optional field), refuses an incompatible change', async () => {
    const id1 = await registerValueSchema(client, topic, v1);
    expect(await registerValueSchema(client, topic, v1)).toBe(id1); // idempotent
    expect(await valueCompatibility(client, topic)).toBe('BACKWARD_TRANSITIVE');
    expect((await client.getAllSubjects())).toContain(`${topic}-value`);

    const id2 = await registerValueSchema(client, topic, v2);
    expect(id2).not.toBe(id1);
    expect(await lookupValueSchemaId(client, topic, v2)).toBe(id2);

    const refused = await registerValueSchema(client, topic, incompatible).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(SchemaError);
    expect((refused as SchemaError).code).toBe('SCHEMA_INCOMPATIBLE');
    expect(await client.getAllVersions(subjectForTopic(topic))).toHaveLength(2);

    // A v1 reader decodes v2 data (the writer schema comes from the registry by id).
    const framed = new WireEncoder(id2, v2).encode({ endpointId: 'ep-9', count: 5, note: 'new in v2' });
    expect(framed[0]).toBe(0);
    expect(decodeWireHeader(framed).schemaId).toBe(id2);
    const schemas = new SubjectSchemas(client, subjectForTopic(topic), 0);
    const asV1 = await new WireDecoder<{ endpointId: string; count: number }>(schemas, v1).decode(framed);
    expect(asV1.schemaId).toBe(id2);
    expect({ ...asV1.value }).toEqual({ endpointId: 'ep-9', count: 5 });

    // An id that is not a version of this subject is refused.
    await expect(schemas.typeOf(2_000_000_000)).rejects.toMatchObject({ code: 'SCHEMA_UNKNOWN' });
  });
});
