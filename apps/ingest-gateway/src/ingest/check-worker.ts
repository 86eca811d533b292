// Worker thread of the batch checker: decompression and the whole-record Avro check, the two
// CPU-heavy steps of a request (about half of the gateway's CPU per batch), off the event loop.
// It only ever learns writer types the event loop resolved under the telemetry subject.
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '@vigil/common';
import { avroType, type AvroType } from '@vigil/schemas';
import { GatewayError } from '../errors/gateway.error';
import { checkFramed, wireSchemaId } from './batch-check';
import type { CheckReply, CheckRequest, CheckWorkerData } from './check-worker.protocol';
import { decompressBodySync } from './decompress';

const port = parentPort!;
const { maxDecodedBytes, clock } = workerData as CheckWorkerData;
const writers = new Map<number, AvroType>();

/** `data` in an ArrayBuffer of its own, to transfer (the body's own buffer when nothing was inflated). */
const owned = (data: Buffer, body: Uint8Array): Uint8Array => (data.buffer === body.buffer ? body : new Uint8Array(data));

function handle(m: CheckRequest): { reply: CheckReply; transfer: ArrayBuffer[] } {
  try {
    if (m.schema) writers.set(m.schema.id, avroType(m.schema.definition));
    const data = decompressBodySync(Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength), m.encoding, maxDecodedBytes);
    const schemaId = wireSchemaId(data);
    const writer = writers.get(schemaId);
    const out = owned(data, m.body);
    let reply: CheckReply = { id: m.id, kind: 'schema', data: out, schemaId };
    if (writer) {
      const { identity, invalid, clockAhead } = checkFramed(data, writer, clock);
      reply = { id: m.id, kind: 'ok', data: out, identity, ...(invalid === undefined ? {} : { invalid }), ...(clockAhead ? { clockAhead } : {}) };
    }
    return { reply, transfer: [out.buffer as ArrayBuffer] };
  } catch (err) {
    if (err instanceof GatewayError) return { reply: { id: m.id, kind: 'error', code: err.code, message: err.message, retriable: err.retriable }, transfer: [] };
    return { reply: { id: m.id, kind: 'error', code: 'INTERNAL', message: errorMessage(err), retriable: false }, transfer: [] };
  }
}

port.on('message', (m: CheckRequest) => {
  const { reply, transfer } = handle(m);
  port.postMessage(reply, transfer);
});
