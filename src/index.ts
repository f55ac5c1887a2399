export * from './network';
export * from './registry';
