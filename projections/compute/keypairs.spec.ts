import { recordedStream } from '../../test/support/recorded-stream';
import { projectInMemory } from '../kernel/projection';
import { computeKeypairsProjection, keypairKey, KEYPAIRS_TABLE } from './keypairs';

const created = { type: 'KeypairCreated', data: { userId: 'u1', name: 'k', type: 'ssh', publicKey: 'ssh-rsa AAAA', fingerprint: 'aa:bb' } };
const deleted = { type: 'KeypairDeleted', data: { userId: 'u1', name: 'k' } };
const rowOf = (events: Array<{ type: string; data: unknown }>) => projectInMemory(computeKeypairsProjection, recordedStream('keypair-1', events)).get(KEYPAIRS_TABLE, keypairKey('u1', 'k'));

describe('compute_keypairs projection', () => {
  it('keeps one row per user and name', () => {
    expect(rowOf([created])).toMatchObject({ key: 'u1/k', user_id: 'u1', name: 'k', type: 'ssh', public_key: 'ssh-rsa AAAA', fingerprint: 'aa:bb' });
  });

  it('drops a deleted keypair and takes the name again', () => {
    expect(rowOf([created, deleted])).toBeUndefined();
    expect(rowOf([created, deleted, { ...created, data: { ...created.data, fingerprint: 'cc:dd' } }])).toMatchObject({ fingerprint: 'cc:dd', stream_version: 2 });
  });
});
