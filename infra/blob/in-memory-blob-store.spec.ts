import { blobStoreContract } from '../../test/contracts/blob-store.contract';
import { InMemoryBlobStore } from './in-memory-blob-store';

blobStoreContract('in-memory', async () => {
  let now = Date.parse('2024-01-01T00:00:00Z');
  const store = new InMemoryBlobStore({ clock: () => now });
  return {
    store,
    cleanup: async () => undefined,
    partialUploads: async () => [],
    advanceClock: (ms) => {
      now += ms;
    },
  };
});
