import {
  AllStreamResolvedEvent,
  StreamNotFoundError,
  WrongExpectedVersionError as ClientWrongExpectedVersionError,
} from '@eventstore/db-client';
import { comparePositions, NO_STREAM, SYSTEM_ACTOR, WrongExpectedVersionError } from '../../domain/kernel';
import {
  decodePosition,
  encodePosition,
  isClientStreamNotFound,
  isClientWrongExpectedVersion,
  isSystemEvent,
  serverFilterFor,
  toExpectedRevision,
  toRecordedEvent,
  toWrongExpectedVersionError,
} from '../../infra/eventstore/eventstoredb/mapping';
import { FIXED_NOW } from '../support/decider-spec';

const MAX = 2n ** 64n - 1n;

describe('EventStoreDB mapping', () => {
  describe('positions', () => {
    it('encodes commit and prepare as two zero-padded 20-digit numbers', () => {
      expect(encodePosition({ commit: 1234n, prepare: 1200n })).toBe('00000000000000001234-00000000000000001200');
      expect(encodePosition({ commit: MAX, prepare: 0n })).toBe('18446744073709551615-00000000000000000000');
    });

    it('decodes what it encodes', () => {
      for (const p of [
        { commit: 0n, prepare: 0n },
        { commit: 4_096n, prepare: 4_000n },
        { commit: 987_654_321_012n, prepare: 987_654_321_012n },
        { commit: MAX, prepare: MAX },
      ]) {
        expect(decodePosition(encodePosition(p))).toEqual(p);
      }
    });

    it('orders as strings exactly as ESDB orders (commit, then prepare)', () => {
      const raw = [
        { commit: 10n, prepare: 9n },
        { commit: 9n, prepare: 100n },
        { commit: 100n, prepare: 1n },
        { commit: 10n, prepare: 10n },
        { commit: 1_000_000_000_000n, prepare: 0n },
        { commit: 99n, prepare: 99n },
        { commit: 0n, prepare: 5n },
      ];
      const byLog = [...raw].sort((a, b) => (a.commit !== b.commit ? (a.commit < b.commit ? -1 : 1) : a.prepare < b.prepare ? -1 : a.prepare > b.prepare ? 1 : 0));
      const byString = raw.map(encodePosition).sort(comparePositions);
      expect(byString).toEqual(byLog.map(encodePosition));
    });

    it('refuses strings that are not its positions', () => {
      for (const bad of ['', '42', '1-2', '0000000000000000001-00000000000000000002', 'x0000000000000000001-00000000000000000002']) {
        expect(() => decodePosition(bad)).toThrow(TypeError);
      }
      expect(() => decodePosition('99999999999999999999-00000000000000000000')).toThrow(RangeError);
      expect(() => encodePosition({ commit: -1n, prepare: 0n })).toThrow(RangeError);
    });
  });

  describe('expected version', () => {
    it('maps each mode of the port onto the client', () => {
      expect(toExpectedRevision('any')).toBe('any');
      expect(toExpectedRevision(NO_STREAM)).toBe('no_stream');
      expect(toExpectedRevision('stream_exists')).toBe('stream_exists');
      expect(toExpectedRevision(0n)).toBe(0n);
      expect(toExpectedRevision(41n)).toBe(41n);
    });

    it('refuses a negative exact version rather than letting ESDB read it as a mode', () => {
      expect(() => toExpectedRevision(-1n)).toThrow(RangeError);
    });
  });

  describe('wrong expected version', () => {
    const shaped = (actualVersion: unknown) => ({ type: 'wrong-expected-version', streamName: 'host-1', actualVersion });

    it('exposes the stream, the expected version asked for, and the actual version', () => {
      const error = toWrongExpectedVersionError('host-1', 2n, shaped(5n) as never);
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ code: 'WrongExpectedVersion', stream: 'host-1', expected: 2n, actual: 5n });
    });

    it('reports a missing stream as NO_STREAM, never -1', () => {
      expect(toWrongExpectedVersionError('host-1', 0n, shaped('no_stream') as never).actual).toBe(NO_STREAM);
      expect(toWrongExpectedVersionError('host-1', 0n, shaped(-1n) as never).actual).toBe(NO_STREAM);
    });

    it('keeps the port mode even where the client re-encodes it (stream_exists, no_stream)', () => {
      expect(toWrongExpectedVersionError('port-1', 'stream_exists', shaped('no_stream') as never)).toMatchObject({
        expected: 'stream_exists',
        actual: NO_STREAM,
      });
      expect(toWrongExpectedVersionError('port-1', NO_STREAM, shaped(0n) as never)).toMatchObject({ expected: NO_STREAM, actual: 0n });
    });

    it('recognises the client 6.2.1 error classes by their type', () => {
      const conflict = new ClientWrongExpectedVersionError(undefined, { streamName: 'host-1', expected: 1n, current: 'no_stream' });
      expect(isClientWrongExpectedVersion(conflict)).toBe(true);
      expect(toWrongExpectedVersionError('host-1', 1n, conflict as never)).toMatchObject({ expected: 1n, actual: NO_STREAM });
      expect(isClientStreamNotFound(new StreamNotFoundError(undefined, 'server-1'))).toBe(true);
      expect(isClientWrongExpectedVersion(new WrongExpectedVersionError('host-1', 1n, 2n))).toBe(false);
      expect(isClientStreamNotFound(new Error('stream-not-found'))).toBe(false);
    });
  });

  describe('filters', () => {
    it('sends stream prefixes to the server when there are any, else event types, else only non-system types', () => {
      expect(serverFilterFor({ streamPrefixes: ['server-'], eventTypes: ['ServerSpawned'] })).toEqual({ on: 'streamName', prefixes: ['server-'] });
      expect(serverFilterFor({ eventTypes: ['ServerSpawned'] })).toEqual({ on: 'eventType', prefixes: ['ServerSpawned'] });
      expect(serverFilterFor({ streamPrefixes: [], eventTypes: [] })).toEqual({ on: 'nonSystemEventType' });
      expect(serverFilterFor(undefined)).toEqual({ on: 'nonSystemEventType' });
    });

    it('treats $-prefixed streams and types as the server own', () => {
      expect(isSystemEvent({ stream: '$stats-127.0.0.1:2113', type: '$statsCollected' })).toBe(true);
      expect(isSystemEvent({ stream: '$ce-server', type: '$>' })).toBe(true);
      expect(isSystemEvent({ stream: 'server-1', type: '$metadata' })).toBe(true);
      expect(isSystemEvent({ stream: 'server-1', type: 'ServerSpawned' })).toBe(false);
    });
  });

  describe('recorded events', () => {
    const metadata = { correlationId: 'req-1', causationId: 'req-1', requestId: 'req-1', actor: SYSTEM_ACTOR, occurredAt: FIXED_NOW, schemaVersion: 1 };
    const resolved = (position?: { commit: bigint; prepare: bigint }): AllStreamResolvedEvent =>
      ({
        event: {
          streamId: 'server-1',
          id: '5a7b2c1e-0000-5000-8000-000000000001',
          revision: 3n,
          type: 'ServerSpawned',
          isJson: true,
          data: { host: 'h1' },
          metadata,
          created: new Date(FIXED_NOW),
          position,
        },
      }) as AllStreamResolvedEvent;

    it('carries id, stream, 0-based version, position, type, data, metadata and created', () => {
      expect(toRecordedEvent(resolved({ commit: 700n, prepare: 700n }))).toEqual({
        id: '5a7b2c1e-0000-5000-8000-000000000001',
        stream: 'server-1',
        version: 3n,
        position: '00000000000000000700-00000000000000000700',
        type: 'ServerSpawned',
        data: { host: 'h1' },
        metadata,
        recordedAt: new Date(FIXED_NOW),
      });
    });

    it('skips an unresolved link and refuses an event without a position', () => {
      expect(toRecordedEvent({})).toBeUndefined();
      expect(() => toRecordedEvent(resolved(undefined))).toThrow(/22\.10/);
    });
  });
});
