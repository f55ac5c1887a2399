export * from './approval-deployment';
export * from './deployment-stage';
export * from './deployment-target';
export * from './deployment-target-account';
export * from './traffic-shift';
