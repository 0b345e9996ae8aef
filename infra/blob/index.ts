export * from './blob-store';
export { BlobMeter } from './blob-meter';
export { FilesystemBlobStore } from './filesystem-blob-store';
export type { FilesystemBlobStoreOptions } from './filesystem-blob-store';
export { InMemoryBlobStore } from './in-memory-blob-store';
export type { InMemoryBlobStoreOptions } from './in-memory-blob-store';
export { Md5Worker } from './md5-worker';
