import { snapshotImage, SnapshotSource } from './snapshot-images';

const source = (over: Partial<SnapshotSource> = {}): SnapshotSource => ({
  serverId: 'srv-1',
  projectId: 'p-server',
  requester: { userId: 'u-owner', projectId: 'p-server' },
  flavor: { rootGb: 5 },
  image: {
    id: 'base-1',
    minDisk: 2,
    minRam: 128,
    properties: {
      hw_disk_bus: 'virtio',
      os_distro: 'debian',
      cache_in_nova: 'True',
      bittorrent: 'yes',
      img_signature: 'sig',
      img_signature_hash_method: 'SHA-256',
      img_signature_key_type: 'RSA-PSS',
      img_signature_certificate_uuid: 'cert-1',
      cinder_encryption_key_id: 'key-1',
      cinder_encryption_key_deletion_policy: 'on_image_deletion',
      os_glance_importing_to_stores: 'file',
      os_glance_failed_import: '',
    },
  },
  ...over,
});

describe('snapshotImage (nova/compute/utils.py create_image, initialize_instance_snapshot_metadata)', () => {
  it("is private to the server's project when its own user asks, with the base image's inheritable properties only", () => {
    const { image, member } = snapshotImage('img-1', 'snap', source(), { extra: 'x' });
    expect(member).toBeNull();
    expect(image).toEqual({
      imageId: 'img-1',
      name: 'snap',
      owner: 'p-server',
      visibility: 'private',
      minDisk: 5,
      minRam: 128,
      properties: { hw_disk_bus: 'virtio', os_distro: 'debian', instance_uuid: 'srv-1', user_id: 'u-owner', image_type: 'snapshot', base_image_ref: 'base-1', extra: 'x' },
    });
  });

  it("belongs to the requester's project and is shared with the server's when someone of another project asks", () => {
    const { image, member } = snapshotImage('img-2', 'snap', source({ requester: { userId: 'u-admin', projectId: 'p-admin' } }));
    expect(member).toBe('p-server');
    expect(image).toMatchObject({ owner: 'p-admin', visibility: 'shared', properties: expect.objectContaining({ user_id: 'u-admin' }) });
  });

  it("stays with the server's project for a requester without a project (a system-scoped token)", () => {
    const { image, member } = snapshotImage('img-3', 'snap', source({ requester: { userId: 'u-system', projectId: null } }));
    expect(member).toBeNull();
    expect(image).toMatchObject({ owner: 'p-server', visibility: 'private' });
  });

  it("lets what the caller adds win over the base image's properties", () => {
    const { image } = snapshotImage('img-4', 'snap', source(), { os_distro: 'mine' });
    expect(image.properties).toMatchObject({ os_distro: 'mine' });
  });
});
