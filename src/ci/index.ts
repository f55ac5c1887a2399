export * from './ci-source';
export * from './pipeline-update';
export * from './ci-pipeline';
