export * from './network';
export * from './registry';
export * from './exploration';
export * from './pipeline';
export * from './ci';
export * from './deployment';
export * from './monitoring';
export * from './governance';
