import { PassThrough, Writable } from 'node:stream';
import { decidedAt, EventStore, NewEvent, RecordedEvent, SYSTEM_ACTOR } from '../../domain/kernel';
import { FIXED_NOW } from '../../test/support/decider-spec';
import { InMemoryEventStore } from './in-memory/in-memory-event-store';
import {
  decodeEventLine,
  encodeEventLine,
  EventLineError,
  exportEvents,
  ExportOrder,
  importEvents,
  parseSince,
  PartialImportError,
  StoreNotEmptyError,
  validateEventLines,
} from './transfer';

/** FIXED_NOW plus `n` seconds. */
const at = (n: number) => new Date(Date.parse(FIXED_NOW) + n * 1000);
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

function newEvent(n: number, type = 'ServerRenamed', data: unknown = { name: `vm-${n}` }): NewEvent {
  return {
    id: uuid(n),
    type,
    data,
    metadata: { correlationId: `c-${n}`, causationId: `c-${n}`, requestId: `req-${n}`, actor: SYSTEM_ACTOR, occurredAt: at(n).toISOString(), schemaVersion: 1 },
  };
}

function recorded(overrides: Partial<RecordedEvent> = {}): RecordedEvent {
  return { ...newEvent(1), stream: 'server-1', version: 0n, position: '00000000000000000001', recordedAt: at(1), ...overrides };
}

/** A store whose clock ticks a second per append, starting at FIXED_NOW + 100 s. */
function storeWithClock(): InMemoryEventStore {
  let tick = 100;
  return new InMemoryEventStore({ clock: () => at(tick++) });
}

async function* linesOf(text: string): AsyncIterable<string> {
  yield* text.split('\n');
}

async function everything(store: EventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of store.readAll()) out.push(e);
  return out;
}

async function exported(store: EventStore, options: Parameters<typeof exportEvents>[2] = {}): Promise<string> {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (chunk) => (text += chunk));
  await exportEvents(store, sink, options);
  return text;
}

/** Two servers and a flavor, interleaved: server-1 v0, flavor-1 v0, server-1 v1, server-2 v0, server-1 v2. */
async function smallLog(): Promise<InMemoryEventStore> {
  const store = storeWithClock();
  await store.append('server-1', [newEvent(1, 'ServerCreationRequested')], 'no_stream');
  await store.append('flavor-1', [newEvent(2, 'FlavorCreated', { flavorId: '1', vcpus: 2 })], 'no_stream');
  await store.append('server-1', [newEvent(3)], 0n);
  await store.append('server-2', [newEvent(4, 'ServerCreationRequested')], 'no_stream');
  await store.append('server-1', [newEvent(5, 'ServerDeleted', null)], 1n);
  return store;
}

describe('event lines', () => {
  it('encode a recorded event as one JSON object, bigint version and position as strings, recordedAt in ISO 8601', () => {
    expect(encodeEventLine(recorded({ version: 12n, position: '00000000000000000757-00000000000000001234' }))).toBe(
      `{"id":"${uuid(1)}","stream":"server-1","version":"12","position":"00000000000000000757-00000000000000001234","type":"ServerRenamed",` +
        `"data":{"name":"vm-1"},"metadata":{"correlationId":"c-1","causationId":"c-1","requestId":"req-1","actor":{"userId":null,"projectId":null,"domainId":null,"roles":["system"]},` +
        `"occurredAt":"2026-01-01T00:00:01.000Z","schemaVersion":1},"recordedAt":"2026-01-01T00:00:01.000Z"}`,
    );
  });

  it('decode back to the same event, versions beyond 2^53 exact, null data and milliseconds kept', () => {
    const event = recorded({ version: 2n ** 63n - 1n, data: null, recordedAt: new Date('2026-03-04T05:06:07.089Z') });
    const decoded = decodeEventLine(encodeEventLine(event), 1);
    expect(decoded).toEqual(event);
    expect(decoded.version).toBe(9223372036854775807n);
  });

  it.each([
    ['truncated JSON', '{"id":', /^line 7: not JSON/],
    ['an array', '[1]', /^line 7: not a JSON object$/],
    ['a negative version', line({ version: '-1' }), /^line 7: "version" "-1" is not a 0-based stream version$/],
    ['a zero-padded version', line({ version: '01' }), /is not a 0-based stream version/],
    ['a version beyond 2^63 - 1', line({ version: '9223372036854775808' }), /is not a 0-based stream version/],
    ['a numeric version', line({ version: 3 }), /^line 7: "version" is not a non-empty string$/],
    ['an id that is no uuid', line({ id: 'evt-1' }), /^line 7: "id" "evt-1" is not a uuid$/],
    ['an empty stream', line({ stream: '' }), /"stream" is not a non-empty string/],
    ['array metadata', line({ metadata: [] }), /"metadata" is not an object/],
    ['a recordedAt that is no time', line({ recordedAt: 'yesterday' }), /"recordedAt" "yesterday" is not an RFC 3339 time/],
    ['no data', line({ data: undefined }), /^line 7: no "data"$/],
    ['an unknown field', line({ extra: 1 }), /^line 7: unknown field "extra"$/],
  ])('reject %s, naming the line', (_what, text, message) => {
    const attempt = () => decodeEventLine(text, 7);
    expect(attempt).toThrow(EventLineError);
    expect(attempt).toThrow(message);
  });
});

function line(overrides: Record<string, unknown>): string {
  return JSON.stringify({ ...JSON.parse(encodeEventLine(recorded())), ...overrides });
}

describe('--since', () => {
  it('reads an RFC 3339 time, with or without an offset', () => {
    expect(parseSince('2026-01-01T01:00:00+01:00')).toEqual({ at: new Date('2026-01-01T00:00:00Z') });
    expect(parseSince('2026-01-01T00:00:00.250Z')).toEqual({ at: new Date('2026-01-01T00:00:00.250Z') });
  });

  it('reads anything else that looks like a position as one, for the store to check', () => {
    expect(parseSince('00000000000000000757-00000000000000001234')).toEqual({ after: '00000000000000000757-00000000000000001234' });
    expect(parseSince('00000000000000000003')).toEqual({ after: '00000000000000000003' });
  });

  it('refuses a date without a time, or words, saying what it takes', () => {
    expect(() => parseSince('2026-01-01')).toThrow(/neither an RFC 3339 time \(e\.g\. 2026-01-31T12:00:00Z\) nor a position/);
    expect(() => parseSince('yesterday')).toThrow(TypeError);
  });

  it('dates an event when it was decided, else when it was recorded', () => {
    expect(decidedAt(recorded({ recordedAt: at(50) })).getTime()).toBe(at(1).getTime());
    expect(decidedAt(recorded({ metadata: { ...newEvent(1).metadata, occurredAt: undefined as never }, recordedAt: at(50) })).getTime()).toBe(at(50).getTime());
  });
});

describe('export order', () => {
  const e = (stream: string, version: bigint, position: number) => recorded({ stream, version, position: String(position).padStart(20, '0') });

  it('accepts every stream from version 0, interleaved, positions increasing', () => {
    const order = new ExportOrder();
    [e('server-1', 0n, 1), e('flavor-1', 0n, 2), e('server-1', 1n, 5)].forEach((event, i) => order.check(event, i + 1));
    expect(order.streams).toBe(2);
  });

  it.each([
    ['a gap', [e('server-1', 0n, 1), e('server-1', 2n, 2)], /^line 2: server-1 version 2, expected 1: versions 1\.\.1 of the stream are missing$/],
    ['a repeat', [e('server-1', 0n, 1), e('server-1', 0n, 2)], /^line 2: server-1 version 0, expected 1: version 0 of the stream is repeated$/],
    ['a stream without its start', [e('server-1', 3n, 1)], /^line 1: server-1 version 3, expected 0: .*not a whole log \(exported with --since\?\)/],
    ['a line out of order', [e('server-1', 0n, 2), e('server-2', 0n, 2)], /^line 2: position 0+2 is not after the previous line's 0+2: lines must stay in the order they were exported$/],
  ])('refuses %s', (_what, events, message) => {
    const order = new ExportOrder();
    expect(() => events.forEach((event, i) => order.check(event, i + 1))).toThrow(message);
  });
});

describe('export and import', () => {
  it('export the log in global order, one line per event, and import it into an empty store identically', async () => {
    const source = await smallLog();
    const text = await exported(source);
    expect(text.split('\n')).toHaveLength(6);
    expect(text.endsWith('\n')).toBe(true);

    expect(await validateEventLines(linesOf(text))).toEqual({ events: 5, streams: 3, lines: 6 });
    const target = new InMemoryEventStore({ clock: () => at(999) });
    const result = await importEvents(target, linesOf(text));
    expect(result).toMatchObject({ events: 5, streams: 3, lastPosition: '00000000000000000005' });
    // Same ids, streams, versions, types, data, metadata, and the source's recordedAt (the in-memory store keeps it).
    expect(await everything(target)).toEqual(await everything(source));
  });

  it('export what --since a position or a time and --stream-prefix select', async () => {
    const source = await smallLog();
    const streamsAndVersions = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((l) => `${JSON.parse(l).stream}@${JSON.parse(l).version}`);
    expect(streamsAndVersions(await exported(source, { since: { after: '00000000000000000003' } }))).toEqual(['server-2@0', 'server-1@2']);
    // Events 3..5 were decided at FIXED_NOW + 3..5 s.
    expect(streamsAndVersions(await exported(source, { since: { at: at(3) } }))).toEqual(['server-1@1', 'server-2@0', 'server-1@2']);
    expect(streamsAndVersions(await exported(source, { streamPrefixes: ['server-'] }))).toEqual(['server-1@0', 'server-1@1', 'server-2@0', 'server-1@2']);
    expect(streamsAndVersions(await exported(source, { streamPrefixes: ['flavor-', 'server-2'], since: { at: at(2) } }))).toEqual(['flavor-1@0', 'server-2@0']);
  });

  it('export waits for a slow output to drain instead of buffering the log', async () => {
    const source = storeWithClock();
    for (let i = 1; i <= 200; i++) await source.append(`server-${i}`, [newEvent(i, 'ServerRenamed', { name: 'x'.repeat(1000) })], 'no_stream');
    let received = 0;
    let maxBuffered = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        maxBuffered = Math.max(maxBuffered, slow.writableLength);
        setImmediate(done);
      },
    });
    const result = await exportEvents(source, slow);
    expect(result.events).toBe(200);
    expect(received).toBeGreaterThan(200 * 1000);
    // At most one 64 KiB chunk waits beyond the high-water mark.
    expect(maxBuffered).toBeLessThan(16 * 1024 + 70 * 1024);
  });

  it('refuse to import into a store that holds events, writing nothing', async () => {
    const text = await exported(await smallLog());
    const target = storeWithClock();
    await target.append('server-9', [newEvent(9)], 'no_stream');
    await expect(importEvents(target, linesOf(text))).rejects.toThrow(StoreNotEmptyError);
    await expect(importEvents(target, linesOf(text))).rejects.toThrow(/already holds events .*Point DATABASE_URL at a new database .*nothing was written/);
    expect(await everything(target)).toHaveLength(1);
  });

  it('stop a streamed import at a bad line, naming it and the events already written', async () => {
    const lines = (await exported(await smallLog())).split('\n');
    lines[3] = lines[3].replace('"version":"0"', '"version":"1"');
    const target = new InMemoryEventStore();
    const attempt = importEvents(target, linesOf(lines.join('\n')));
    await expect(attempt).rejects.toThrow(PartialImportError);
    await expect(importEvents(new InMemoryEventStore(), linesOf(lines.join('\n')))).rejects.toThrow(
      /^line 4: server-2 version 1, expected 0: .*The store now holds the first 2 events \(up to line 2\): drop that database/,
    );
    expect((await everything(target)).map((e) => e.position)).toEqual(['00000000000000000001', '00000000000000000002']);
  });

  it('find a bad line in validation, before anything is written', async () => {
    const lines = (await exported(await smallLog())).split('\n');
    lines[4] = '{"oops"';
    await expect(validateEventLines(linesOf(lines.join('\n')))).rejects.toThrow(/^line 5: not JSON/);
  });

  it('append consecutive events of one stream together, with the expected version the file implies', async () => {
    const source = storeWithClock();
    await source.append('server-1', [newEvent(1), newEvent(2), newEvent(3)], 'no_stream');
    await source.append('server-2', [newEvent(4)], 'no_stream');
    await source.append('server-1', [newEvent(5), newEvent(6)], 2n);
    const appends: Array<[string, number, unknown]> = [];
    const target = new InMemoryEventStore();
    const spy: EventStore = Object.assign(Object.create(target), {
      append: (stream: string, events: NewEvent[], expected: unknown) => {
        appends.push([stream, events.length, expected]);
        return target.append(stream, events, expected as never);
      },
    });
    await importEvents(spy, linesOf(await exported(source)), { batchSize: 2 });
    expect(appends).toEqual([
      ['server-1', 2, 'no_stream'],
      ['server-1', 1, 1n],
      ['server-2', 1, 'no_stream'],
      ['server-1', 2, 2n],
    ]);
    expect(await everything(target)).toEqual(await everything(source));
  });
});
