export * from './errors';
export * from './wire-format';
export * from './strict-decode';
export * from './registry';
export * from './codec';
export * from './generated/telemetry-batch.v1.generated';
export * from './generated/alert.v1.generated';
export * from './testing/sample-batch';
