export * from './distribution';
export * from './kraft';
export * from './maven';
export * from './checksums';
