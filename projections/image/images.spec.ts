import { ImageEvent, imageStream } from '../../domain/image';
import { at, recordedStream } from '../../test/support/recorded-stream';
import { projectInMemory } from '../kernel/projection';
import { ImageRow, imageImagesProjection as projection, IMAGES_TABLE } from './images';

const ID = 'i1';
const created: ImageEvent = {
  type: 'ImageCreated',
  data: {
    imageId: ID,
    name: 'cirros',
    owner: 'p1',
    status: 'queued',
    visibility: 'shared',
    diskFormat: 'qcow2',
    containerFormat: 'bare',
    minDisk: 0,
    minRam: 0,
    protected: false,
    osHidden: false,
    tags: ['a'],
    properties: { os_distro: 'cirros' },
  },
};
const started: ImageEvent = { type: 'ImageUploadStarted', data: { imageId: ID, status: 'saving', uploader: 'api-1' } };
const bytes = { size: 1024, checksum: 'a'.repeat(32), osHashAlgo: 'sha512' as const, osHashValue: 'b'.repeat(128), virtualSize: 4096, blobKey: `sha512:${'b'.repeat(128)}` };
const activated: ImageEvent = { type: 'ImageActivated', data: { imageId: ID, status: 'active', ...bytes } };

function fold(events: ImageEvent[]) {
  return projectInMemory(projection, recordedStream(imageStream(ID), events));
}

const rowOf = (events: ImageEvent[]) => fold(events).get(IMAGES_TABLE, ID) as ImageRow | undefined;

describe('image_images projection', () => {
  it('records a created image as queued, without data, with its times from the event', () => {
    expect(rowOf([created])).toEqual({
      id: ID,
      name: 'cirros',
      owner: 'p1',
      status: 'queued',
      visibility: 'shared',
      disk_format: 'qcow2',
      container_format: 'bare',
      size: null,
      virtual_size: null,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      min_disk: 0,
      min_ram: 0,
      protected: false,
      os_hidden: false,
      tags: ['a'],
      properties: { os_distro: 'cirros' },
      members: {},
      blob_key: null,
      uploader: null,
      created_at: at(1),
      updated_at: at(1),
      stream_version: 0,
    });
  });

  it('shows the uploader while saving and the bytes once active', () => {
    expect(rowOf([created, started])).toMatchObject({ status: 'saving', uploader: 'api-1' });
    expect(rowOf([created, started, activated])).toMatchObject({
      status: 'active',
      uploader: null,
      size: 1024,
      virtual_size: 4096,
      checksum: bytes.checksum,
      os_hash_value: bytes.osHashValue,
      blob_key: bytes.blobKey,
      updated_at: at(3),
    });
  });

  it('clears the data and the uploader when an upload fails', () => {
    const failed: ImageEvent = { type: 'ImageUploadFailed', data: { imageId: ID, status: 'killed', reason: 'API process stopped' } };
    expect(rowOf([created, started, failed])).toMatchObject({ status: 'killed', uploader: null, size: null, blob_key: null });
  });

  it('applies updates field by field and merges extra properties', () => {
    const updated: ImageEvent = { type: 'ImageUpdated', data: { imageId: ID, name: 'cirros-0.6', minRam: 64, properties: { hw_disk_bus: 'virtio' }, removedProperties: ['os_distro'] } };
    expect(rowOf([created, updated])).toMatchObject({ name: 'cirros-0.6', min_ram: 64, visibility: 'shared', properties: { hw_disk_bus: 'virtio' } });
  });

  it('keeps tags a set in the order they were added', () => {
    const tagged: ImageEvent[] = [
      { type: 'ImageTagAdded', data: { imageId: ID, tag: 'b' } },
      { type: 'ImageTagAdded', data: { imageId: ID, tag: 'a' } },
      { type: 'ImageTagRemoved', data: { imageId: ID, tag: 'a' } },
    ];
    expect(rowOf([created, ...tagged])?.tags).toEqual(['b']);
  });

  it('tracks members with their status and times', () => {
    const row = rowOf([
      created,
      { type: 'ImageMemberAdded', data: { imageId: ID, memberId: 'p2', status: 'pending' } },
      { type: 'ImageMemberAdded', data: { imageId: ID, memberId: 'p3', status: 'pending' } },
      { type: 'ImageMemberStatusChanged', data: { imageId: ID, memberId: 'p2', status: 'accepted', previousStatus: 'pending' } },
      { type: 'ImageMemberRemoved', data: { imageId: ID, memberId: 'p3' } },
    ]);
    expect(row?.members).toEqual({ p2: { status: 'accepted', created_at: at(2), updated_at: at(4) } });
  });

  it('follows deactivation and reactivation', () => {
    const deactivated: ImageEvent = { type: 'ImageDeactivated', data: { imageId: ID, status: 'deactivated' } };
    const reactivated: ImageEvent = { type: 'ImageReactivated', data: { imageId: ID, status: 'active' } };
    expect(rowOf([created, started, activated, deactivated])?.status).toBe('deactivated');
    expect(rowOf([created, started, activated, deactivated, reactivated])?.status).toBe('active');
  });

  it('removes a deleted image from the read model', () => {
    const deleted: ImageEvent = { type: 'ImageDeleted', data: { imageId: ID, status: 'deleted', previousStatus: 'active', owner: 'p1', name: 'cirros', blobKey: bytes.blobKey } };
    expect(rowOf([created, started, activated, deleted])).toBeUndefined();
  });

  it('ignores an event it has already applied (a redelivered batch)', () => {
    const events = recordedStream(imageStream(ID), [created, started, activated]);
    const rows = projectInMemory(projection, events);
    projectInMemory(projection, [events[1]], rows);
    expect((rows.get(IMAGES_TABLE, ID) as ImageRow).status).toBe('active');
  });
});
