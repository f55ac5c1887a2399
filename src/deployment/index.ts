export * from './approval-deployment';
export * from './approval-deployment-interface';
export * from './deployment-stage';
export * from './deployment-target';
export * from './deployment-target-account';
export * from './traffic-shift';
export * from './deployment-events';
export * from './stage-endpoint';
