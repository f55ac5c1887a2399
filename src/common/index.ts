export * from './instance-type';
