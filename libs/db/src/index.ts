export * from './pool';
export * from './migrate';
export * from './endpoints.repository';
export * from './db-errors';
