import { Conflict, Forbidden, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { CreateProject, ProjectCommand, ProjectCreated, projectDecider, ProjectEvent, UpdateProject } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(projectDecider);

const create = (data: Partial<CreateProject['data']> = {}): ProjectCommand => ({
  type: 'CreateProject',
  data: { projectId: 'p1', domainId: 'default', name: 'demo', ...data },
  metadata,
});
const update = (data: Omit<UpdateProject['data'], 'projectId'>): ProjectCommand => ({ type: 'UpdateProject', data: { projectId: 'p1', ...data }, metadata });
const replaceTags = (tags: string[]): ProjectCommand => ({ type: 'ReplaceProjectTags', data: { projectId: 'p1', tags }, metadata });
const addTag = (tag: string): ProjectCommand => ({ type: 'AddProjectTag', data: { projectId: 'p1', tag }, metadata });
const removeTag = (tag: string): ProjectCommand => ({ type: 'RemoveProjectTag', data: { projectId: 'p1', tag }, metadata });
const remove: ProjectCommand = { type: 'DeleteProject', data: { projectId: 'p1' }, metadata };

const created = (data: Partial<ProjectCreated['data']> = {}): ProjectEvent => ({
  type: 'ProjectCreated',
  data: { projectId: 'p1', domainId: 'default', name: 'demo', description: '', enabled: true, parentId: 'default', isDomain: false, tags: [], options: {}, ...data },
});
const deleted: ProjectEvent = { type: 'ProjectDeleted', data: { projectId: 'p1', domainId: 'default', name: 'demo', parentId: 'default' } };
const eightyTags = Array.from({ length: 80 }, (_, i) => `t${i}`);

describe('project', () => {
  describe('when absent', () => {
    it('creates an enabled top-level project whose parent is its domain', () => {
      spec.given([]).when(create()).then([created()]);
    });

    it('records a parent, tags, options and a description', () => {
      spec
        .given([])
        .when(create({ parentId: 'p0', tags: ['a', 'B'], options: { immutable: false }, description: 'd', enabled: false }))
        .then([created({ parentId: 'p0', tags: ['a', 'B'], options: { immutable: false }, description: 'd', enabled: false })]);
    });

    it('keeps attributes Keystone does not name as extra', () => {
      spec.given([]).when(create({ extra: { cost_center: '42' } })).then([created({ extra: { cost_center: '42' } })]);
    });
    it('strips the name as Keystone does', () => {
      spec.given([]).when(create({ name: '  demo ' })).then([created()]);
    });

    it('rejects a name longer than 64 characters', () => {
      spec.given([]).when(create({ name: 'x'.repeat(65) })).thenThrows(InvalidInput);
    });

    it('rejects a blank name', () => {
      spec.given([]).when(create({ name: '   ' })).thenThrows(InvalidInput);
    });

    it('rejects a tag with a slash', () => {
      spec.given([]).when(create({ tags: ['a/b'] })).thenThrows(InvalidInput);
    });

    it('rejects a tag with a comma', () => {
      spec.given([]).when(create({ tags: ['a,b'] })).thenThrows(InvalidInput);
    });

    it('rejects a tag longer than 255 characters', () => {
      spec.given([]).when(create({ tags: ['x'.repeat(256)] })).thenThrows(InvalidInput);
    });

    it('rejects more than 80 tags', () => {
      spec.given([]).when(create({ tags: [...eightyTags, 'one-more'] })).thenThrows(InvalidInput);
    });

    it('rejects duplicate tags', () => {
      spec.given([]).when(create({ tags: ['a', 'a'] })).thenThrows(InvalidInput);
    });

    it('rejects a project that is its own parent', () => {
      spec.given([]).when(create({ parentId: 'p1' })).thenThrows(InvalidInput);
    });

    it('answers NotFound to an update', () => {
      spec.given([]).when(update({ name: 'x' })).thenThrows(NotFound, (e) => expect(e.message).toBe('Could not find project: p1.'));
    });

    it('answers NotFound to a delete', () => {
      spec.given([]).when(remove).thenThrows(NotFound);
    });
  });

  describe('when active', () => {
    it('merges extra attributes, recording the whole set after the merge', () => {
      spec
        .given([created({ extra: { a: 1, b: 2 } })])
        .when(update({ extra: { b: 3 } }))
        .then([{ type: 'ProjectUpdated', data: { projectId: 'p1', extra: { a: 1, b: 3 } } }]);
    });
    it('refuses a second create with the same id', () => {
      spec.given([created()]).when(create()).thenThrows(Conflict);
    });

    it('records only the fields that changed', () => {
      spec.given([created()]).when(update({ name: 'demo', enabled: false, description: '' })).then([{ type: 'ProjectUpdated', data: { projectId: 'p1', enabled: false } }]);
    });

    it('does nothing when nothing changes', () => {
      spec.given([created()]).when(update({ name: 'demo' })).thenNothingHappens();
    });

    it('turns a null description into the empty string', () => {
      spec.given([created({ description: 'old' })]).when(update({ description: null })).then([{ type: 'ProjectUpdated', data: { projectId: 'p1', description: '' } }]);
    });

    it('replaces the tags given in an update beside the other changes', () => {
      spec
        .given([created({ tags: ['a'] })])
        .when(update({ name: 'renamed', tags: ['b'] }))
        .then([
          { type: 'ProjectUpdated', data: { projectId: 'p1', name: 'renamed' } },
          { type: 'ProjectTagsReplaced', data: { projectId: 'p1', tags: ['b'] } },
        ]);
    });

    it('rejects an invalid name in an update', () => {
      spec.given([created()]).when(update({ name: 'x'.repeat(65) })).thenThrows(InvalidInput);
    });

    it('replaces the tag list', () => {
      spec.given([created({ tags: ['a'] })]).when(replaceTags(['b', 'c'])).then([{ type: 'ProjectTagsReplaced', data: { projectId: 'p1', tags: ['b', 'c'] } }]);
    });

    it('does nothing when the tag list is the same', () => {
      spec.given([created({ tags: ['a', 'b'] })]).when(replaceTags(['a', 'b'])).thenNothingHappens();
    });

    it('adds a tag', () => {
      spec.given([created()]).when(addTag('prod')).then([{ type: 'ProjectTagAdded', data: { projectId: 'p1', tag: 'prod' } }]);
    });

    it('does nothing when the tag is already there', () => {
      spec.given([created({ tags: ['prod'] })]).when(addTag('prod')).thenNothingHappens();
    });

    it('treats tags as case-sensitive', () => {
      spec.given([created({ tags: ['prod'] })]).when(addTag('Prod')).then([{ type: 'ProjectTagAdded', data: { projectId: 'p1', tag: 'Prod' } }]);
    });

    it('refuses an 81st tag', () => {
      spec.given([created({ tags: eightyTags })]).when(addTag('one-more')).thenThrows(InvalidInput);
    });

    it('refuses an invalid tag', () => {
      spec.given([created()]).when(addTag('a/b')).thenThrows(InvalidInput);
    });

    it('removes a tag', () => {
      spec.given([created({ tags: ['prod'] })]).when(removeTag('prod')).then([{ type: 'ProjectTagRemoved', data: { projectId: 'p1', tag: 'prod' } }]);
    });

    it('answers NotFound when removing a missing tag', () => {
      spec.given([created()]).when(removeTag('prod')).thenThrows(NotFound);
    });

    it('deletes the project with what is needed to release its name', () => {
      spec.given([created()]).when(remove).then([deleted]);
    });
  });

  describe('when immutable', () => {
    const immutable = created({ options: { immutable: true } });

    it('refuses an update (Keystone 403)', () => {
      spec.given([immutable]).when(update({ name: 'x' })).thenThrows(Forbidden);
    });

    it('accepts an update that clears the immutable option', () => {
      spec.given([immutable]).when(update({ options: { immutable: false } })).then([{ type: 'ProjectUpdated', data: { projectId: 'p1', options: { immutable: false } } }]);
    });

    it('refuses a tag change', () => {
      spec.given([immutable]).when(addTag('prod')).thenThrows(Forbidden);
    });

    it('refuses a delete', () => {
      spec.given([immutable]).when(remove).thenThrows(Forbidden);
    });
  });

  describe('when deleted', () => {
    it('answers NotFound to an update', () => {
      spec.given([created(), deleted]).when(update({ name: 'x' })).thenThrows(NotFound);
    });

    it('answers NotFound to a tag change', () => {
      spec.given([created(), deleted]).when(addTag('x')).thenThrows(NotFound);
    });

    it('answers NotFound to a second delete', () => {
      spec.given([created(), deleted]).when(remove).thenThrows(NotFound);
    });
  });

  describe('evolve', () => {
    it('folds tag additions and removals', () => {
      const history: ProjectEvent[] = [
        created({ tags: ['a'] }),
        { type: 'ProjectTagAdded', data: { projectId: 'p1', tag: 'b' } },
        { type: 'ProjectTagRemoved', data: { projectId: 'p1', tag: 'a' } },
      ];
      const state = history.reduce(projectDecider.evolve, projectDecider.initialState);
      expect(state).toMatchObject({ status: 'active', project: { tags: ['b'] } });
    });
  });
});
