import { EventStoreDbEventStore } from '../../infra/eventstore/eventstoredb';
import { eventStoreContract } from './event-store.contract';

// The contract runs against a real EventStoreDB (22.10 or later, e.g. `esdb://127.0.0.1:2113?tls=false`)
// only when EVENTSTORE_URL names one: none can be installed on this machine (not in Debian, not on npm).
const EVENTSTORE_URL = process.env.EVENTSTORE_URL;

if (EVENTSTORE_URL) {
  // Each contract test works in its own stream namespace, so one shared server serves them all.
  eventStoreContract('eventstoredb', async () => {
    const store = await EventStoreDbEventStore.connect(EVENTSTORE_URL);
    return { store, cleanup: () => store.close() };
  });
} else {
  const reason = 'EVENTSTORE_URL is not set, so the EventStoreDB adapter contract is skipped (set it to an esdb:// connection string to run it)';
  console.warn(reason);
  describe.skip('EventStore contract: eventstoredb', () => {
    it.skip(reason, () => undefined);
  });
}
