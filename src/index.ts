export * from './network';
export * from './registry';
export * from './exploration';
export * from './governance';
