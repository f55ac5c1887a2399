export * from './auth-mode';
export * from './experiment-tracking';
export * from './exploration-domain';
export * from './package-repository';
export * from './user-profile';
