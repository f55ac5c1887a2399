export * from './model-registry';
