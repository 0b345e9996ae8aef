/** Image (Glance v2) write side: pure deciders, events and stream names. */
export * from './streams';
export * from './image';
export * from './metadef';
