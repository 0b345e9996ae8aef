/** Identity (Keystone v3) write side: pure deciders, events and stream names. */
export * from './streams';
export * from './errors';
export type { OptionValue, ResourceOptions } from './validation';
export * from './name-reservation';
export * from './domain';
export * from './project';
export * from './user';
export * from './group';
export * from './role';
export * from './assignment';
export * from './token';
export * from './application-credential';
export * from './region';
export * from './service';
export * from './endpoint';
