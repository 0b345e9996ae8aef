import { Conflict, Forbidden, InvalidInput, InvalidState, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { METADEF_NS, metadefNamespaceCreated } from '../../../test/support/metadef-events';
import {
  CreateMetadefNamespace,
  MetadefNamespaceCommand,
  metadefNamespaceDecider,
  MetadefNamespaceEvent,
  metadefNamespaceStream,
  metadefNameKey,
  MetadefObject,
  MetadefProperty,
  metadefResourceTypeDecider,
  metadefResourceTypeStream,
} from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(metadefNamespaceDecider);
const NS = METADEF_NS;

const command = <T extends MetadefNamespaceCommand['type']>(type: T, data: Extract<MetadefNamespaceCommand, { type: T }>['data']) =>
  ({ type, data, metadata }) as MetadefNamespaceCommand;
const create = (data: Partial<CreateMetadefNamespace['data']> = {}) => command('CreateMetadefNamespace', { namespace: NS, owner: 'p1', ...data });

const created = metadefNamespaceCreated;
const property = (name: string, title = name): MetadefProperty => ({ name, schema: { name, type: 'string', title } });
const object = (name: string, extra: Partial<MetadefObject> = {}): MetadefObject => ({ name, description: null, required: null, properties: null, ...extra });
const event = <T extends MetadefNamespaceEvent['type']>(type: T, data: Extract<MetadefNamespaceEvent, { type: T }>['data']) => ({ type, data }) as MetadefNamespaceEvent;
const protectedNs = created({ protected: true });

describe('metadef namespace', () => {
  it('lives on a metadef-<uuid> stream whose uuid infra derives from the case-folded name', () => {
    expect(metadefNamespaceStream('9f3c')).toBe('metadef-9f3c');
    expect(metadefNameKey('OS::Compute::CPUPinning')).toBe(metadefNameKey('os::compute::cpupinning'));
    expect(metadefResourceTypeStream('1a')).toBe('metadefresourcetype-1a');
  });

  describe('when absent', () => {
    it('creates a private, unprotected namespace by default', () => {
      spec.given([]).when(create()).then([created()]);
    });

    it('records the inline properties, objects, tags and resource type associations', () => {
      const association = { name: 'OS::Glance::Image', prefix: 'hw_', propertiesTarget: null };
      spec
        .given([])
        .when(create({ visibility: 'public', protected: true, displayName: 'Test', description: 'd', properties: [property('p1')], objects: [object('o1')], tags: ['t1'], resourceTypeAssociations: [association] }))
        .then([
          created({ visibility: 'public', protected: true, displayName: 'Test', description: 'd', properties: [property('p1')], objects: [object('o1')], tags: ['t1'], resourceTypeAssociations: [association] }),
        ]);
    });

    it('refuses a visibility other than public or private', () => {
      spec.given([]).when(create({ visibility: 'shared' as never })).thenThrows(InvalidInput, (e) => expect(e.message).toBe('Invalid visibility value: shared'));
    });

    it('refuses a name longer than 80 characters', () => {
      spec.given([]).when(create({ namespace: 'x'.repeat(81) })).thenThrows(InvalidInput);
    });

    it.each([
      ['tags', { tags: ['a', 'A'] }, 'A metadata tag with name=A already exists in namespace=OS::Strata::Test. (Please note that metadata tag names are case insensitive).'],
      ['objects', { objects: [object('o'), object('O')] }, 'A metadata definition object with name=O already exists in namespace=OS::Strata::Test.'],
      ['properties', { properties: [property('p'), property('P')] }, 'A metadata definition property with name=P already exists in namespace=OS::Strata::Test.'],
    ])('refuses inline %s that repeat a name in another case', (_what, data, message) => {
      spec.given([]).when(create(data)).thenThrows(Conflict, (e) => expect(e.message).toBe(message));
    });

    it('answers every other command with the namespace not found', () => {
      spec
        .given([])
        .when(command('CreateMetadefTag', { namespace: NS, name: 't' }))
        .thenThrows(NotFound, (e) => expect(e.message).toBe('Metadata definition namespace=OS::Strata::Test was not found.'));
    });
  });

  describe('when active', () => {
    it('refuses the same name again, in any case', () => {
      spec
        .given([created()])
        .when(create({ namespace: 'os::strata::TEST' }))
        .thenThrows(Conflict, (e) => expect(e.message).toBe('The metadata definition namespace=os::strata::TEST already exists.'));
    });

    it('refuses a rename onto it with the update message', () => {
      spec
        .given([created()])
        .when(create({ renamedFrom: { namespace: 'other', stream: 'metadef-1' } }))
        .thenThrows(Conflict, (e) => expect(e.message).toBe('Invalid update. It would result in a duplicate metadata definition namespace with the same name of OS::Strata::Test'));
    });

    it('replaces every field on update, absent ones taking the defaults', () => {
      spec
        .given([created({ visibility: 'public', protected: true, description: 'old' })])
        .when(command('UpdateMetadefNamespace', { namespace: NS, newNamespace: 'os::strata::test', displayName: 'T', owner: 'p2' }))
        .then([
          event('MetadefNamespaceUpdated', { namespace: 'os::strata::test', displayName: 'T', description: null, visibility: 'private', protected: false, owner: 'p2' }),
        ]);
    });

    it('records nothing for an update that changes nothing', () => {
      spec
        .given([created()])
        .when(command('UpdateMetadefNamespace', { namespace: NS, newNamespace: NS, owner: 'p1' }))
        .thenNothingHappens();
    });

    it('leaves a change of name to a rename onto another stream', () => {
      spec.given([created()]).when(command('UpdateMetadefNamespace', { namespace: NS, newNamespace: 'other', owner: 'p1' })).thenThrows(InvalidState);
    });

    it('gives its name away on rename, once', () => {
      const rename = command('RenameMetadefNamespace', { namespace: NS, newNamespace: 'other', newStream: 'metadef-2' });
      const renamed = event('MetadefNamespaceRenamed', { namespace: NS, newNamespace: 'other', newStream: 'metadef-2' });
      spec.given([created()]).when(rename).then([renamed]);
      spec.given([created(), renamed]).when(rename).thenNothingHappens();
    });

    it('can be created again after a rename or a delete', () => {
      spec.given([created(), event('MetadefNamespaceRenamed', { namespace: NS, newNamespace: 'other', newStream: 'metadef-2' })]).when(create()).then([created()]);
      spec.given([created(), event('MetadefNamespaceDeleted', { namespace: NS })]).when(create()).then([created()]);
    });

    it('deletes with all its content', () => {
      spec.given([created({ tags: ['t'] })]).when(command('DeleteMetadefNamespace', { namespace: NS })).then([event('MetadefNamespaceDeleted', { namespace: NS })]);
    });

    it('is not deleted while protected', () => {
      spec
        .given([protectedNs])
        .when(command('DeleteMetadefNamespace', { namespace: NS }))
        .thenThrows(Forbidden, (e) => expect(e.message).toBe('Metadata definition namespace OS::Strata::Test is protected and cannot be deleted.'));
    });

    it('is gone for every command once deleted', () => {
      spec.given([created(), event('MetadefNamespaceDeleted', { namespace: NS })]).when(command('DeleteMetadefNamespace', { namespace: NS })).thenThrows(NotFound);
    });
  });

  describe('properties', () => {
    const withP1 = created({ properties: [property('p1')] });

    it('creates a property', () => {
      spec.given([created()]).when(command('CreateMetadefProperty', { namespace: NS, property: property('p1') })).then([event('MetadefPropertyCreated', { namespace: NS, property: property('p1') })]);
    });

    it('refuses a second property of the same name in another case', () => {
      spec
        .given([withP1])
        .when(command('CreateMetadefProperty', { namespace: NS, property: property('P1') }))
        .thenThrows(Conflict, (e) => expect(e.message).toBe('A metadata definition property with name=P1 already exists in namespace=OS::Strata::Test.'));
    });

    it('updates and renames a property found in any case', () => {
      spec
        .given([withP1])
        .when(command('UpdateMetadefProperty', { namespace: NS, name: 'P1', property: property('p2', 'T') }))
        .then([event('MetadefPropertyUpdated', { namespace: NS, name: 'p1', property: property('p2', 'T') })]);
    });

    it('refuses a rename onto another property', () => {
      spec
        .given([created({ properties: [property('p1'), property('p2')] })])
        .when(command('UpdateMetadefProperty', { namespace: NS, name: 'p1', property: property('p2') }))
        .thenThrows(Conflict, (e) => expect(e.message).toBe('Invalid update. It would result in a duplicate metadata definition property with the same name=p1 in namespace=OS::Strata::Test.'));
    });

    it('answers a missing property with Glance message', () => {
      spec
        .given([withP1])
        .when(command('DeleteMetadefProperty', { namespace: NS, name: 'nope' }))
        .thenThrows(NotFound, (e) => expect(e.message).toBe('Could not find property nope'));
    });

    it('keeps a protected namespace property', () => {
      spec
        .given([created({ protected: true, properties: [property('p1')] })])
        .when(command('DeleteMetadefProperty', { namespace: NS, name: 'p1' }))
        .thenThrows(Forbidden, (e) => expect(e.message).toBe('Metadata definition property p1 is protected and cannot be deleted.'));
    });

    it('deletes all of them, one event each', () => {
      spec
        .given([created({ properties: [property('a'), property('b')] })])
        .when(command('DeleteMetadefProperties', { namespace: NS }))
        .then([event('MetadefPropertyDeleted', { namespace: NS, name: 'a' }), event('MetadefPropertyDeleted', { namespace: NS, name: 'b' })]);
    });

    it('refuses to delete all of them from a protected namespace', () => {
      spec.given([protectedNs]).when(command('DeleteMetadefProperties', { namespace: NS })).thenThrows(Forbidden, (e) => expect(e.message).toContain('namespace OS::Strata::Test is protected'));
    });
  });

  describe('objects', () => {
    it('creates an object, defaulting what it does not give', () => {
      spec
        .given([created()])
        .when(command('CreateMetadefObject', { namespace: NS, object: { name: 'o1' } as MetadefObject }))
        .then([event('MetadefObjectCreated', { namespace: NS, object: object('o1') })]);
    });

    it('refuses a duplicate object', () => {
      spec.given([created({ objects: [object('o1')] })]).when(command('CreateMetadefObject', { namespace: NS, object: object('O1') })).thenThrows(Conflict);
    });

    it('replaces an object on update', () => {
      spec
        .given([created({ objects: [object('o1', { description: 'd', required: ['a'] })] })])
        .when(command('UpdateMetadefObject', { namespace: NS, name: 'o1', object: object('o2') }))
        .then([event('MetadefObjectUpdated', { namespace: NS, name: 'o1', object: object('o2') })]);
    });

    it('answers a missing object with Glance message', () => {
      spec
        .given([created()])
        .when(command('UpdateMetadefObject', { namespace: NS, name: 'zz', object: object('o2') }))
        .thenThrows(NotFound, (e) => expect(e.message).toBe('Could not find metadata object zz'));
    });

    it('keeps a protected namespace object', () => {
      spec
        .given([created({ protected: true, objects: [object('o1')] })])
        .when(command('DeleteMetadefObject', { namespace: NS, name: 'o1' }))
        .thenThrows(Forbidden, (e) => expect(e.message).toBe('Metadata definition object o1 is protected and cannot be deleted.'));
    });

    it('deletes all objects', () => {
      spec
        .given([created({ objects: [object('o1')] })])
        .when(command('DeleteMetadefObjects', { namespace: NS }))
        .then([event('MetadefObjectDeleted', { namespace: NS, name: 'o1' })]);
    });
  });

  describe('tags', () => {
    const withTags = created({ tags: ['t1', 't2'] });

    it('creates one tag', () => {
      spec.given([created()]).when(command('CreateMetadefTag', { namespace: NS, name: 't1' })).then([event('MetadefTagCreated', { namespace: NS, name: 't1' })]);
    });

    it('refuses a tag that exists in another case', () => {
      spec.given([withTags]).when(command('CreateMetadefTag', { namespace: NS, name: 'T1' })).thenThrows(Conflict, (e) => expect(e.message).toContain('name=T1 already exists'));
    });

    it('replaces every tag with a list unless appending', () => {
      spec
        .given([withTags])
        .when(command('CreateMetadefTags', { namespace: NS, names: ['t1', 't3'], append: false }))
        .then([
          event('MetadefTagDeleted', { namespace: NS, name: 't1' }),
          event('MetadefTagDeleted', { namespace: NS, name: 't2' }),
          event('MetadefTagCreated', { namespace: NS, name: 't1' }),
          event('MetadefTagCreated', { namespace: NS, name: 't3' }),
        ]);
    });

    it('appends with X-Openstack-Append, refusing one already there', () => {
      spec.given([withTags]).when(command('CreateMetadefTags', { namespace: NS, names: ['t3'], append: true })).then([event('MetadefTagCreated', { namespace: NS, name: 't3' })]);
      spec.given([withTags]).when(command('CreateMetadefTags', { namespace: NS, names: ['t2'], append: true })).thenThrows(Conflict);
    });

    it('refuses a list that repeats a name, and changes nothing for an empty one', () => {
      spec.given([withTags]).when(command('CreateMetadefTags', { namespace: NS, names: ['a', 'a'], append: false })).thenThrows(Conflict, (e) => expect(e.message).toContain('name=a already'));
      spec.given([withTags]).when(command('CreateMetadefTags', { namespace: NS, names: [], append: false })).thenNothingHappens();
    });

    it('renames a tag, refusing the name of another', () => {
      spec.given([withTags]).when(command('UpdateMetadefTag', { namespace: NS, name: 'T1', newName: 't9' })).then([event('MetadefTagUpdated', { namespace: NS, name: 't1', newName: 't9' })]);
      spec.given([withTags]).when(command('UpdateMetadefTag', { namespace: NS, name: 't1', newName: 't2' })).thenThrows(Conflict);
    });

    it('answers a missing tag with Glance message', () => {
      spec.given([withTags]).when(command('DeleteMetadefTag', { namespace: NS, name: 'zz' })).thenThrows(NotFound, (e) => expect(e.message).toBe('Could not find metadata tag zz'));
    });

    it('deletes all tags, unless the namespace is protected', () => {
      spec
        .given([withTags])
        .when(command('DeleteMetadefTags', { namespace: NS }))
        .then([event('MetadefTagDeleted', { namespace: NS, name: 't1' }), event('MetadefTagDeleted', { namespace: NS, name: 't2' })]);
      spec.given([created({ protected: true, tags: ['t1'] })]).when(command('DeleteMetadefTags', { namespace: NS })).thenThrows(Forbidden);
    });

    it('sees the events of earlier commands', () => {
      spec
        .given([created(), event('MetadefTagCreated', { namespace: NS, name: 'a' }), event('MetadefTagUpdated', { namespace: NS, name: 'a', newName: 'b' })])
        .when(command('CreateMetadefTag', { namespace: NS, name: 'a' }))
        .then([event('MetadefTagCreated', { namespace: NS, name: 'a' })]);
    });
  });

  describe('resource type associations', () => {
    const association = { name: 'OS::Nova::Flavor', prefix: 'hw:', propertiesTarget: null };

    it('associates a resource type', () => {
      spec.given([created()]).when(command('AssociateMetadefResourceType', { namespace: NS, association })).then([event('MetadefResourceTypeAssociated', { namespace: NS, association })]);
    });

    it('refuses the same resource type twice, in any case', () => {
      spec
        .given([created({ resourceTypeAssociations: [association] })])
        .when(command('AssociateMetadefResourceType', { namespace: NS, association: { ...association, name: 'os::nova::flavor' } }))
        .thenThrows(Conflict, (e) =>
          expect(e.message).toBe('The metadata definition resource-type association of resource-type=os::nova::flavor to namespace=OS::Strata::Test already exists.'),
        );
    });

    it('dissociates by the exact name only, as Glance compares it in Python', () => {
      const given = spec.given([created({ resourceTypeAssociations: [association] })]);
      given.when(command('DissociateMetadefResourceType', { namespace: NS, name: 'OS::Nova::Flavor' })).then([event('MetadefResourceTypeDissociated', { namespace: NS, name: 'OS::Nova::Flavor' })]);
      given
        .when(command('DissociateMetadefResourceType', { namespace: NS, name: 'os::nova::flavor' }))
        .thenThrows(NotFound, (e) => expect(e.message).toBe('Failed to find resource type os::nova::flavor to delete'));
    });

    it('keeps the associations of a protected namespace', () => {
      spec
        .given([created({ protected: true, resourceTypeAssociations: [association] })])
        .when(command('DissociateMetadefResourceType', { namespace: NS, name: 'OS::Nova::Flavor' }))
        .thenThrows(Forbidden, (e) => expect(e.message).toBe('Metadata definition resource-type-association OS::Nova::Flavor is protected and cannot be deleted.'));
    });
  });
});

describe('metadef resource type', () => {
  const rt = deciderSpec(metadefResourceTypeDecider);
  const createType = { type: 'CreateMetadefResourceType' as const, data: { name: 'OS::Glance::Image', protected: true }, metadata };
  const createdType = { type: 'MetadefResourceTypeCreated' as const, data: { name: 'OS::Glance::Image', protected: true } };

  it('is created once', () => {
    rt.given([]).when(createType).then([createdType]);
    rt.given([createdType]).when(createType).thenThrows(Conflict, (e) => expect(e.message).toBe('A metadata definition resource-type with name=OS::Glance::Image already exists.'));
  });
});
