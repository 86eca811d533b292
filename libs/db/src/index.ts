export * from './pool';
export * from './migrate';
export * from './endpoint-key';
export * from './endpoints.repository';
export * from './roles';
export * from './db-errors';
