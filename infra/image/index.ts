export * from './disk-inspector';
