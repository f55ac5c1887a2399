export * from './mlops-rule';
export * from './mlops-checks';
export * from './rules';
export * from './sagemaker-guardrail';
