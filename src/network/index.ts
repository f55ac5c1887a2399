export * from './endpoint-service';
export * from './secure-ml-network';
