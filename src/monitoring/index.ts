export * from './drift-baseline';
export * from './drift-engine';
export * from './quality-options';
export * from './drift-monitor';
export * from './drift-schedule';
