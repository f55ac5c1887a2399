export * from './platform-options';
export * from './mlops-platform';
export * from './cost-report';
export * from './mlops-accounts';
