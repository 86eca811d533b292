export * from './spool';
export { UnsafeSpoolPathError } from './no-follow';
export * from './sender';
export * from './transport';
export * from './gateway-client';
export * from './clock-offset';
