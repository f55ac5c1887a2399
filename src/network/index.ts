export * from './endpoint-service';
export * from './endpoint-placement';
export * from './secure-ml-network';
