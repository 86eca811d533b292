export * from './errors';
export * from './retry';
export * from './logger';
export * from './config';
export * from './defaults';
export * from './agent-config-text';
export * from './connection-auth';
export * from './prng';
