/**
 * The detection engine's view of a decoded TelemetryBatch: the types generated from the Avro contract
 * (libs/schemas/avro/telemetry-batch.v1.avsc), re-exported so detection code names them in one place.
 * Decoded records carry every field (the reader schema fills defaults); hashes and nanosecond times are
 * numbers (the decoder refuses longs outside the safe integer range).
 */
export type { AddressFamily, ExecEvent, FileOpen, NetOpKind, NetworkOp, NgramCount, ProcessActivity, SecurityEvent, SequenceData, TelemetryBatch } from '@vigil/schemas';
