export * from './pool';
export * from './migrate';
export * from './endpoint-key';
export * from './endpoints.repository';
export * from './roles';
export * from './cluster';
export * from './db-errors';
