import type { GatewayErrorCode } from '../errors/gateway.error';
import type { BatchIdentity, ClockBounds } from './batch-check';
import type { BodyEncoding } from './decompress';

/** Set once per worker (workerData). */
export interface CheckWorkerData {
  maxDecodedBytes: number;
  clock: ClockBounds;
}

/** Event loop → worker: check one body (its bytes are transferred). `schema` teaches the worker a writer type first. */
export interface CheckRequest {
  id: number;
  body: Uint8Array;
  encoding: BodyEncoding;
  /** A version of the telemetry subject (avsc's `Type#schema()` JSON: the structure, all the checker needs). */
  schema?: { id: number; definition: string };
}

/** Worker → event loop (decompressed bytes are transferred back). */
export type CheckReply =
  | { id: number; kind: 'ok'; data: Uint8Array; identity: BatchIdentity; invalid?: string; clockAhead?: boolean }
  /** The worker has not been given this schema id yet: the event loop resolves it and asks again with `data`. */
  | { id: number; kind: 'schema'; data: Uint8Array; schemaId: number }
  | { id: number; kind: 'error'; code: GatewayErrorCode; message: string; retriable: boolean };
