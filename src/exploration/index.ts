export * from './auth-mode';
export * from './experiment-tracking';
export * from './exploration-domain';
export * from './instance-type';
export * from './package-repository';
export * from './user-profile';
