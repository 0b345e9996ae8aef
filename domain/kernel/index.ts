export * from './decider';
export * from './errors';
export * from './event-store';
export * from './metadata';
export * from './upcasting';
export * from './command-handler';
export * from './fold-cache';
export * from './state-diff';
