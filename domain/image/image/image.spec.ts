import { Conflict, Forbidden, InvalidInput, NotFound, QuotaExceeded, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { imageStream } from '../streams';
import { ActivateImage, CreateImage, ImageActivated, ImageCommand, ImageCreated, imageDecider, ImageEvent, ImagePatchOperation, MAX_MEMBERS, MAX_TAGS } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(imageDecider);
const ID = 'i1';

const create = (data: Partial<CreateImage['data']> = {}): ImageCommand => ({ type: 'CreateImage', data: { imageId: ID, owner: 'p1', ...data }, metadata });
const update = (operations: ImagePatchOperation[], mayChangeOwner?: boolean): ImageCommand => ({
  type: 'UpdateImage',
  data: { imageId: ID, operations, ...(mayChangeOwner === undefined ? {} : { mayChangeOwner }) },
  metadata,
});
const replace = (path: string, value: unknown): ImagePatchOperation => ({ op: 'replace', path, value });
const add = (path: string, value: unknown): ImagePatchOperation => ({ op: 'add', path, value });
const removeOp = (path: string): ImagePatchOperation => ({ op: 'remove', path });
const startUpload: ImageCommand = { type: 'StartImageUpload', data: { imageId: ID, uploader: 'api-1' }, metadata };
const upload = { size: 1024, checksum: 'a'.repeat(32), osHashAlgo: 'sha512' as const, osHashValue: 'b'.repeat(128), virtualSize: 2048, blobKey: 'images/i1' };
const activate = (data: Partial<ActivateImage['data']> = {}): ImageCommand => ({ type: 'ActivateImage', data: { imageId: ID, ...upload, ...data }, metadata });
const fail = (killed: boolean): ImageCommand => ({ type: 'FailImageUpload', data: { imageId: ID, reason: 'store full', killed }, metadata });
const addTag = (tag: string): ImageCommand => ({ type: 'AddImageTag', data: { imageId: ID, tag }, metadata });
const removeTag = (tag: string): ImageCommand => ({ type: 'RemoveImageTag', data: { imageId: ID, tag }, metadata });
const addMember = (memberId: string): ImageCommand => ({ type: 'AddImageMember', data: { imageId: ID, memberId }, metadata });
const updateMember = (memberId: string, status: string): ImageCommand =>
  ({ type: 'UpdateImageMember', data: { imageId: ID, memberId, status }, metadata }) as ImageCommand;
const removeMember = (memberId: string): ImageCommand => ({ type: 'RemoveImageMember', data: { imageId: ID, memberId }, metadata });
const deactivate: ImageCommand = { type: 'DeactivateImage', data: { imageId: ID }, metadata };
const reactivate: ImageCommand = { type: 'ReactivateImage', data: { imageId: ID }, metadata };
const remove: ImageCommand = { type: 'DeleteImage', data: { imageId: ID }, metadata };

const created = (data: Partial<ImageCreated['data']> = {}): ImageEvent => ({
  type: 'ImageCreated',
  data: {
    imageId: ID,
    name: null,
    owner: 'p1',
    status: 'queued',
    visibility: 'shared',
    diskFormat: null,
    containerFormat: null,
    minDisk: 0,
    minRam: 0,
    protected: false,
    osHidden: false,
    tags: [],
    properties: {},
    ...data,
  },
});
const withFormats = created({ diskFormat: 'qcow2', containerFormat: 'bare' });
const uploadStarted: ImageEvent = { type: 'ImageUploadStarted', data: { imageId: ID, status: 'saving', uploader: 'api-1' } };
const activated = (data: Partial<ImageActivated['data']> = {}): ImageEvent => ({ type: 'ImageActivated', data: { imageId: ID, status: 'active', ...upload, ...data } });
const uploadFailed = (status: 'queued' | 'killed'): ImageEvent => ({ type: 'ImageUploadFailed', data: { imageId: ID, status, reason: 'store full' } });
const deactivated: ImageEvent = { type: 'ImageDeactivated', data: { imageId: ID, status: 'deactivated' } };
const memberAdded = (memberId: string): ImageEvent => ({ type: 'ImageMemberAdded', data: { imageId: ID, memberId, status: 'pending' } });
const deleted: ImageEvent = { type: 'ImageDeleted', data: { imageId: ID, status: 'deleted', previousStatus: 'queued', owner: 'p1', name: null, blobKey: null } };

/** The history that leaves the image in each status. */
const HISTORY: Record<string, ImageEvent[]> = {
  queued: [withFormats],
  saving: [withFormats, uploadStarted],
  active: [withFormats, uploadStarted, activated()],
  killed: [withFormats, uploadStarted, uploadFailed('killed')],
  deactivated: [withFormats, uploadStarted, activated(), deactivated],
  deleted: [withFormats, deleted],
};

describe('image', () => {
  it('lives on the image-<id> stream', () => {
    expect(imageStream('9f3c')).toBe('image-9f3c');
  });

  describe('when absent', () => {
    it('creates a queued image with Glance defaults (visibility shared, not protected, no formats)', () => {
      spec.given([]).when(create()).then([created()]);
    });

    it('records every base property, tags and extra properties given', () => {
      spec
        .given([])
        .when(
          create({ name: 'cirros', visibility: 'public', diskFormat: 'qcow2', containerFormat: 'bare', minDisk: 1, minRam: 64, protected: true, osHidden: true, tags: ['a', 'b'], properties: { hw_disk_bus: 'virtio' } }),
        )
        .then([
          created({ name: 'cirros', visibility: 'public', diskFormat: 'qcow2', containerFormat: 'bare', minDisk: 1, minRam: 64, protected: true, osHidden: true, tags: ['a', 'b'], properties: { hw_disk_bus: 'virtio' } }),
        ]);
    });

    it('collapses duplicate tags, as Glance keeps them as a set', () => {
      spec.given([]).when(create({ tags: ['a', 'b', 'a'] })).then([created({ tags: ['a', 'b'] })]);
    });

    it('rejects an unknown disk_format', () => {
      spec.given([]).when(create({ diskFormat: 'qcow3' as never })).thenThrows(InvalidInput, (e) => expect(e.details).toMatchObject({ field: 'disk_format' }));
    });

    it('rejects an unknown container_format', () => {
      spec.given([]).when(create({ containerFormat: 'tar' as never })).thenThrows(InvalidInput);
    });

    it('rejects an unknown visibility', () => {
      spec.given([]).when(create({ visibility: 'everyone' as never })).thenThrows(InvalidInput);
    });

    it('rejects a negative min_ram', () => {
      spec.given([]).when(create({ minRam: -1 })).thenThrows(InvalidInput, (e) => expect(e.message).toContain('Cannot be a negative value'));
    });

    it('rejects a name longer than 255 characters', () => {
      spec.given([]).when(create({ name: 'x'.repeat(256) })).thenThrows(InvalidInput);
    });

    it('rejects a tag longer than 255 characters', () => {
      spec.given([]).when(create({ tags: ['x'.repeat(256)] })).thenThrows(InvalidInput);
    });

    it.each(['status', 'checksum', 'size', 'os_hash_value', 'created_at', 'file', 'self', 'direct_url'])('refuses the read-only attribute %s as an extra property', (key) => {
      spec.given([]).when(create({ properties: { [key]: 'x' } })).thenThrows(Forbidden, (e) => expect(e.message).toBe(`Attribute '${key}' is read-only.`));
    });

    it.each(['locations', 'location', 'deleted', 'owner', 'os_glance_import_task'])('refuses the reserved attribute %s as an extra property', (key) => {
      spec.given([]).when(create({ properties: { [key]: 'x' } })).thenThrows(Forbidden, (e) => expect(e.message).toBe(`Attribute '${key}' is reserved.`));
    });

    it('rejects an extra property whose value is not a string', () => {
      spec.given([]).when(create({ properties: { hw_cpu_cores: 4 } })).thenThrows(InvalidInput);
    });

    it('rejects an extra property key longer than 255 characters', () => {
      spec.given([]).when(create({ properties: { ['k'.repeat(256)]: 'v' } })).thenThrows(InvalidInput);
    });

    it('refuses more than 128 tags', () => {
      const tags = Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`);
      spec.given([]).when(create({ tags })).thenThrows(QuotaExceeded);
    });

    it.each<[string, ImageCommand]>([
      ['UpdateImage', update([replace('name', 'x')])],
      ['StartImageUpload', startUpload],
      ['AddImageTag', addTag('a')],
      ['DeleteImage', remove],
    ])('answers NotFound to %s', (_name, command) => {
      spec.given([]).when(command).thenThrows(NotFound, (e) => expect(e.message).toBe('No image found with ID i1'));
    });
  });

  describe('status machine', () => {
    // Glance glance/domain `Image.valid_state_targets` and the v2 API's answers for each action.
    const table: [string, ImageCommand, string, ImageEvent[] | (new (...args: never[]) => Error)][] = [
      ['queued', startUpload, 'starts an upload', [uploadStarted]],
      ['saving', startUpload, 'refuses a second upload', Conflict],
      ['active', startUpload, 'refuses an upload', Conflict],
      ['killed', startUpload, 'refuses an upload', Conflict],
      ['deactivated', startUpload, 'refuses an upload', Conflict],
      ['deleted', startUpload, 'does not find the image', NotFound],
      ['saving', activate(), 'activates', [activated()]],
      ['queued', activate(), 'refuses to activate without an upload', Conflict],
      ['active', activate(), 'ignores a redelivered activation with the same data', []],
      ['active', activate({ size: 1 }), 'refuses an activation with other data', Conflict],
      ['deactivated', activate(), 'ignores a redelivered activation', []],
      ['saving', fail(false), 'returns to queued so the upload can be retried', [uploadFailed('queued')]],
      ['saving', fail(true), 'is killed when the store failed', [uploadFailed('killed')]],
      ['killed', fail(true), 'ignores a redelivered kill', []],
      ['active', fail(false), 'refuses a failure after activation', Conflict],
      ['active', deactivate, 'deactivates', [deactivated]],
      ['deactivated', deactivate, 'ignores a second deactivation', []],
      ['queued', deactivate, 'refuses to deactivate', Forbidden],
      ['saving', deactivate, 'refuses to deactivate', Forbidden],
      ['killed', deactivate, 'refuses to deactivate', Forbidden],
      ['deactivated', reactivate, 'reactivates', [{ type: 'ImageReactivated', data: { imageId: ID, status: 'active' } }]],
      ['active', reactivate, 'ignores reactivating an active image', []],
      ['queued', reactivate, 'refuses to reactivate', Forbidden],
      ['killed', reactivate, 'refuses to reactivate', Forbidden],
      ['deleted', deactivate, 'does not find the image', NotFound],
    ];

    it.each(table.map(([status, command, what, expected]) => [status, command.type, what, command, expected] as const))('when %s, %s %s', (status, _type, _what, command, expected) => {
      const run = spec.given(HISTORY[status]).when(command);
      if (Array.isArray(expected)) run.then(expected);
      else run.thenThrows(expected);
    });

    it.each(['queued', 'saving', 'active', 'killed', 'deactivated'])('when %s, deletes the image recording its previous status', (status) => {
      const blobKey = status === 'active' || status === 'deactivated' ? upload.blobKey : null;
      spec
        .given(HISTORY[status])
        .when(remove)
        .then([{ type: 'ImageDeleted', data: { imageId: ID, status: 'deleted', previousStatus: status as never, owner: 'p1', name: null, blobKey } }]);
    });

    it('names both statuses when an upload is refused, as Glance does', () => {
      spec
        .given(HISTORY.active)
        .when(startUpload)
        .thenThrows(Conflict, (e) => expect(e.message).toBe('Image status transition from active to saving is not allowed'));
    });

    it('refuses an upload until both formats are set', () => {
      spec
        .given([created({ diskFormat: 'raw' })])
        .when(startUpload)
        .thenThrows(InvalidInput, (e) => expect(e.message).toBe('Property container_format must be set prior to saving data.'));
    });

    it('accepts a new upload after a failed one returned the image to queued', () => {
      spec.given([...HISTORY.saving, uploadFailed('queued')]).when(startUpload).then([uploadStarted]);
    });

    it('rejects an activation whose sha512 digest is malformed', () => {
      spec.given(HISTORY.saving).when(activate({ osHashValue: 'abc' })).thenThrows(InvalidInput);
    });

    it('rejects an activation with a negative size', () => {
      spec.given(HISTORY.saving).when(activate({ size: -1 })).thenThrows(InvalidInput);
    });

    it('refuses to delete a protected image', () => {
      spec
        .given([created({ protected: true })])
        .when(remove)
        .thenThrows(Forbidden, (e) => expect(e.message).toBe('Image i1 is protected and cannot be deleted.'));
    });

    it('when deleted, keeps the id taken: a create answers Conflict', () => {
      spec.given(HISTORY.deleted).when(create()).thenThrows(Conflict, (e) => expect(e.message).toBe('Image with identifier i1 already exists!'));
    });

    it.each<[string, ImageCommand]>([
      ['UpdateImage', update([replace('name', 'x')])],
      ['ActivateImage', activate()],
      ['AddImageTag', addTag('a')],
      ['AddImageMember', addMember('p2')],
      ['ReactivateImage', reactivate],
      ['DeleteImage', remove],
    ])('when deleted, answers NotFound to %s', (_name, command) => {
      spec.given(HISTORY.deleted).when(command).thenThrows(NotFound);
    });
  });

  describe('when updating', () => {
    it('records only the base fields that changed', () => {
      spec
        .given([created({ name: 'old' })])
        .when(update([replace('name', 'new'), replace('min_disk', 0), replace('visibility', 'private'), replace('protected', true)]))
        .then([{ type: 'ImageUpdated', data: { imageId: ID, name: 'new', visibility: 'private', protected: true } }]);
    });

    it('does nothing when nothing changes', () => {
      spec.given([created({ name: 'same' })]).when(update([replace('name', 'same')])).thenNothingHappens();
    });

    it('adds, replaces and removes extra properties', () => {
      spec
        .given([created({ properties: { a: '1', b: '2' } })])
        .when(update([replace('a', '10'), removeOp('b'), add('c', '3')]))
        .then([{ type: 'ImageUpdated', data: { imageId: ID, properties: { a: '10', c: '3' }, removedProperties: ['b'] } }]);
    });

    it('applies the operations in order', () => {
      spec.given([created()]).when(update([add('a', '1'), replace('a', '2')])).then([{ type: 'ImageUpdated', data: { imageId: ID, properties: { a: '2' } } }]);
    });

    it('lets add overwrite an existing extra property (v2.1 patch)', () => {
      spec.given([created({ properties: { a: '1' } })]).when(update([add('a', '2')])).then([{ type: 'ImageUpdated', data: { imageId: ID, properties: { a: '2' } } }]);
    });

    it('replaces the tag list with the whole new list', () => {
      spec.given([created({ tags: ['a'] })]).when(update([replace('tags', ['c'])])).then([{ type: 'ImageUpdated', data: { imageId: ID, tags: ['c'] } }]);
    });

    it('ignores the order of tags, a set in Glance', () => {
      spec.given([created({ tags: ['a', 'b'] })]).when(update([replace('tags', ['b', 'a'])])).thenNothingHappens();
    });

    it('answers Conflict to replacing an extra property that does not exist', () => {
      spec.given([created()]).when(update([replace('foo', 'bar')])).thenThrows(Conflict, (e) => expect(e.message).toBe('Property foo does not exist.'));
    });

    it('answers Conflict to removing an extra property that does not exist', () => {
      spec.given([created()]).when(update([removeOp('foo')])).thenThrows(Conflict);
    });

    it('refuses to remove a base property', () => {
      spec.given([created({ name: 'x' })]).when(update([removeOp('name')])).thenThrows(Forbidden, (e) => expect(e.message).toBe('Property name may not be removed.'));
    });

    it.each(['status', 'id', 'checksum', 'size', 'os_hash_algo', 'updated_at'])('refuses to change the read-only attribute %s', (key) => {
      spec.given([created()]).when(update([replace(key, 'x')])).thenThrows(Forbidden, (e) => expect(e.message).toBe(`Attribute '${key}' is read-only.`));
    });

    it('refuses a reserved os_glance attribute', () => {
      spec.given([created()]).when(update([add('os_glance_importing_to_stores', 'x')])).thenThrows(Forbidden);
    });

    it('refuses to change the owner unless the caller may', () => {
      spec.given([created()]).when(update([replace('owner', 'p2')])).thenThrows(Forbidden, (e) => expect(e.message).toBe("Owner can't be updated by non admin."));
    });

    it('changes the owner for a caller that may', () => {
      spec.given([created()]).when(update([replace('owner', 'p2')], true)).then([{ type: 'ImageUpdated', data: { imageId: ID, owner: 'p2' } }]);
    });

    it('changes the formats of a queued image', () => {
      spec.given([withFormats]).when(update([replace('disk_format', 'raw')])).then([{ type: 'ImageUpdated', data: { imageId: ID, diskFormat: 'raw' } }]);
    });

    it('refuses to change the disk_format once data was uploaded', () => {
      spec
        .given(HISTORY.active)
        .when(update([replace('disk_format', 'raw')]))
        .thenThrows(Forbidden, (e) => expect(e.message).toBe('Attribute disk_format can be only replaced for a queued image.'));
    });

    it('still lets a protected image be renamed (protected only blocks delete)', () => {
      spec.given([created({ protected: true })]).when(update([replace('name', 'n')])).then([{ type: 'ImageUpdated', data: { imageId: ID, name: 'n' } }]);
    });

    it('updates an active image and keeps its status', () => {
      spec.given(HISTORY.active).when(update([add('os_distro', 'cirros')])).then([{ type: 'ImageUpdated', data: { imageId: ID, properties: { os_distro: 'cirros' } } }]);
    });

    it('rejects an invalid visibility', () => {
      spec.given([created()]).when(update([replace('visibility', 'hidden')])).thenThrows(InvalidInput);
    });

    it('writes nothing when a later operation fails', () => {
      spec.given([created()]).when(update([replace('name', 'ok'), replace('min_ram', -5)])).thenThrows(InvalidInput);
    });
  });

  describe('tags', () => {
    it('adds a tag', () => {
      spec.given([created()]).when(addTag('prod')).then([{ type: 'ImageTagAdded', data: { imageId: ID, tag: 'prod' } }]);
    });

    it('does nothing when the tag is already there', () => {
      spec.given([created({ tags: ['prod'] })]).when(addTag('prod')).thenNothingHappens();
    });

    it('refuses a 129th tag (image_tag_quota)', () => {
      const tags = Array.from({ length: MAX_TAGS }, (_, i) => `t${i}`);
      spec.given([created({ tags })]).when(addTag('one-more')).thenThrows(QuotaExceeded);
    });

    it('rejects a tag longer than 255 characters', () => {
      spec.given([created()]).when(addTag('x'.repeat(256))).thenThrows(InvalidInput);
    });

    it('removes a tag', () => {
      spec.given([created({ tags: ['a', 'b'] })]).when(removeTag('a')).then([{ type: 'ImageTagRemoved', data: { imageId: ID, tag: 'a' } }]);
    });

    it('answers NotFound for a tag not on the image, as Glance does', () => {
      spec.given([created()]).when(removeTag('a')).thenThrows(NotFound);
    });
  });

  describe('members', () => {
    it('adds a pending member to a shared image', () => {
      spec.given([created()]).when(addMember('p2')).then([memberAdded('p2')]);
    });

    it.each(['private', 'public', 'community'] as const)('refuses members on a %s image', (visibility) => {
      spec.given([created({ visibility })]).when(addMember('p2')).thenThrows(Forbidden, (e) => expect(e.message).toBe('Only shared images have members.'));
    });

    it('answers Conflict to a duplicate member', () => {
      spec.given([created(), memberAdded('p2')]).when(addMember('p2')).thenThrows(Conflict, (e) => expect(e.message).toBe('Member p2 is duplicated for image i1'));
    });

    it('refuses a member beyond image_member_quota', () => {
      const members = Array.from({ length: MAX_MEMBERS }, (_, i) => memberAdded(`p${i + 10}`));
      spec.given([created(), ...members]).when(addMember('p2')).thenThrows(QuotaExceeded);
    });

    it('accepts a membership', () => {
      spec
        .given([created(), memberAdded('p2')])
        .when(updateMember('p2', 'accepted'))
        .then([{ type: 'ImageMemberStatusChanged', data: { imageId: ID, memberId: 'p2', status: 'accepted', previousStatus: 'pending' } }]);
    });

    it('does nothing when the member status is unchanged', () => {
      spec.given([created(), memberAdded('p2')]).when(updateMember('p2', 'pending')).thenNothingHappens();
    });

    it('rejects an unknown member status', () => {
      spec.given([created(), memberAdded('p2')]).when(updateMember('p2', 'maybe')).thenThrows(InvalidInput);
    });

    it('answers NotFound when updating a member that is not there', () => {
      spec.given([created()]).when(updateMember('p2', 'accepted')).thenThrows(NotFound, (e) => expect(e.message).toBe('p2 not found in the member list of the image i1.'));
    });

    it('removes a member', () => {
      spec.given([created(), memberAdded('p2')]).when(removeMember('p2')).then([{ type: 'ImageMemberRemoved', data: { imageId: ID, memberId: 'p2' } }]);
    });

    it('answers NotFound when removing a member that is not there', () => {
      spec.given([created()]).when(removeMember('p2')).thenThrows(NotFound);
    });

    it('lets a removed member be added again', () => {
      spec.given([created(), memberAdded('p2'), { type: 'ImageMemberRemoved', data: { imageId: ID, memberId: 'p2' } }]).when(addMember('p2')).then([memberAdded('p2')]);
    });

    it('refuses member changes once the image is no longer shared', () => {
      spec
        .given([created(), memberAdded('p2'), { type: 'ImageUpdated', data: { imageId: ID, visibility: 'private' } }])
        .when(updateMember('p2', 'accepted'))
        .thenThrows(Forbidden);
    });
  });
});
