export * from './spool';
export * from './sender';
export * from './transport';
export * from './gateway-client';
