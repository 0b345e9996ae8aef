export * from './host-state';
export * from './resources';
export * from './filters';
export * from './weighers';
export * from './schedule';
