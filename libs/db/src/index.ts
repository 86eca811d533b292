export * from './pool';
export * from './migrate';
export * from './endpoints.repository';
export * from './roles';
export * from './db-errors';
