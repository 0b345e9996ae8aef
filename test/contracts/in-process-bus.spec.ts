import { InProcessBus, subjectMatches, subjectsOverlap } from '../../infra/messaging/in-process/in-process-bus';
import { busContract, Inbox } from './bus.contract';

const silent = { warn: () => undefined };

busContract(
  'in-process',
  async () => {
    const bus = new InProcessBus({ redeliveryDelayMs: 5, logger: silent });
    return { bus, cleanup: () => bus.close() };
  },
  { ackWaitMs: 50 },
);

describe('InProcessBus specifics', () => {
  it('matches NATS wildcards token by token', () => {
    expect(subjectMatches('strata.evt.>', 'strata.evt.server.ServerSpawned')).toBe(true);
    expect(subjectMatches('strata.evt.>', 'strata.evt')).toBe(false);
    expect(subjectMatches('strata.evt.*.ServerSpawned', 'strata.evt.server.ServerSpawned')).toBe(true);
    expect(subjectMatches('strata.evt.*', 'strata.evt.server.ServerSpawned')).toBe(false);
    expect(subjectMatches('strata.work.compute.host-1', 'strata.work.compute.host-10')).toBe(false);
  });

  it('tells overlapping filters from disjoint ones', () => {
    expect(subjectsOverlap('strata.work.compute.host-1', 'strata.work.compute.*')).toBe(true);
    expect(subjectsOverlap('strata.work.>', 'strata.work.volume.host-2')).toBe(true);
    expect(subjectsOverlap('strata.work.compute.host-1', 'strata.work.compute.host-2')).toBe(false);
    expect(subjectsOverlap('strata.work.*.host-1', 'strata.work.compute.*')).toBe(true);
    expect(subjectsOverlap('strata.work.compute', 'strata.work.compute.host-1')).toBe(false);
  });

  it('accepts a repeated message id again once the dedupe window has passed', async () => {
    let now = 1_000_000;
    const bus = new InProcessBus({ duplicateWindowMs: 120_000, now: () => now, logger: silent });
    const subject = 'strata.evt.server.ServerDeleted';
    try {
      await bus.publish(subject, { n: 1 }, { msgId: 'e-1' });
      now += 119_999;
      await bus.publish(subject, { n: 2 }, { msgId: 'e-1' });
      now += 2;
      await bus.publish(subject, { n: 3 }, { msgId: 'e-1' });
      const inbox = new Inbox();
      await bus.consume({ durable: 'dedupe', filterSubject: 'strata.evt.server.>' }, inbox.handler);
      await inbox.until(['e-1']);
      await bus.publish(subject, {}, { msgId: 'sentinel' });
      await inbox.until(['sentinel']);

      expect(inbox.messages.map((m) => m.data)).toEqual([{ n: 1 }, { n: 3 }, {}]);
    } finally {
      await bus.close();
    }
  });

  it('hands the handler a copy: mutating the published object afterwards changes nothing', async () => {
    const bus = new InProcessBus({ logger: silent });
    try {
      const data = { state: 'building' };
      await bus.publish('strata.report.compute.host-1', data, { msgId: 'r-1' });
      data.state = 'active';
      const inbox = new Inbox();
      await bus.consume({ durable: 'copy', filterSubject: 'strata.report.>' }, inbox.handler);
      await inbox.until(['r-1']);

      expect(inbox.messages[0].data).toEqual({ state: 'building' });
    } finally {
      await bus.close();
    }
  });
});
