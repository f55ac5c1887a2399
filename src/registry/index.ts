export * from './model-registry';
export * from './model-source';
