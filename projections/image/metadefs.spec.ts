import { MetadefNamespaceEvent, MetadefResourceTypeEvent } from '../../domain/image';
import { RecordedEvent } from '../../domain/kernel';
import { at, recordedStream } from '../../test/support/recorded-stream';
import { projectInMemory } from '../kernel/projection';
import { imageMetadefsProjection as projection, METADEF_NAMESPACES_TABLE, METADEF_RESOURCE_TYPES_TABLE, MetadefNamespaceRow, MetadefResourceTypeRow } from './metadefs';
import { METADEF_NS, metadefNamespaceCreated } from '../../test/support/metadef-events';

const STREAM = 'metadef-1';
const NS = METADEF_NS;

const created = metadefNamespaceCreated;
const event = <T extends MetadefNamespaceEvent['type']>(type: T, data: Extract<MetadefNamespaceEvent, { type: T }>['data']) => ({ type, data }) as MetadefNamespaceEvent;
const seeded = (name: string): MetadefResourceTypeEvent => ({ type: 'MetadefResourceTypeCreated', data: { name, protected: true } });

/** Events of several streams in one global order: versions per stream, positions and seconds across all. */
function history(...steps: [string, MetadefNamespaceEvent | MetadefResourceTypeEvent][]): RecordedEvent[] {
  const versions = new Map<string, number>();
  return steps.map(([stream, e], i) => {
    const version = versions.get(stream) ?? 0;
    versions.set(stream, version + 1);
    const [recorded] = recordedStream(stream, [e]);
    return { ...recorded, version: BigInt(version), position: String(i + 1).padStart(20, '0'), metadata: { ...recorded.metadata, occurredAt: at(i + 1) } };
  });
}

const fold = (events: RecordedEvent[]) => projectInMemory(projection, events);
const namespaceOf = (events: RecordedEvent[], stream = STREAM) => fold(events).get(METADEF_NAMESPACES_TABLE, stream) as MetadefNamespaceRow | undefined;
const resourceTypes = (events: RecordedEvent[]) => [...fold(events).tables.get(METADEF_RESOURCE_TYPES_TABLE)!.values()] as MetadefResourceTypeRow[];
const onStream = (...events: MetadefNamespaceEvent[]) => recordedStream(STREAM, events);

describe('image_metadefs projection', () => {
  it('records a created namespace with its inline content, every child stamped with the event time', () => {
    const row = namespaceOf(
      onStream(
        created({
          displayName: 'Test',
          visibility: 'public',
          properties: [{ name: 'p1', schema: { type: 'string', title: 'P1' } }],
          objects: [{ name: 'o1', description: null, required: null, properties: null }],
          tags: ['t1'],
          resourceTypeAssociations: [{ name: 'OS::Glance::Image', prefix: 'hw_', propertiesTarget: null }],
        }),
      ),
    );
    expect(row).toEqual({
      id: STREAM,
      namespace: NS,
      namespace_key: 'os::strata::test',
      display_name: 'Test',
      description: null,
      visibility: 'public',
      protected: false,
      owner: 'p1',
      properties: [{ name: 'p1', schema: { type: 'string', title: 'P1' }, created_at: at(1), updated_at: at(1) }],
      objects: [{ name: 'o1', description: null, required: null, properties: null, created_at: at(1), updated_at: at(1) }],
      tags: [{ name: 't1', created_at: at(1), updated_at: at(1) }],
      resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'hw_', properties_target: null, created_at: at(1), updated_at: at(1) }],
      created_position: '00000000000000000001',
      created_at: at(1),
      updated_at: at(1),
      stream_version: 0,
    });
  });

  it('moves updated_at for the namespace fields, not for its content', () => {
    const update = event('MetadefNamespaceUpdated', { namespace: 'os::strata::test', displayName: null, description: 'd', visibility: 'public', protected: true, owner: 'p2' });
    const row = namespaceOf(onStream(created(), update, event('MetadefTagCreated', { namespace: NS, name: 't' })));
    expect(row).toMatchObject({ namespace: 'os::strata::test', namespace_key: 'os::strata::test', description: 'd', visibility: 'public', protected: true, owner: 'p2', updated_at: at(2), stream_version: 2 });
  });

  it('keeps properties in creation order and a renamed one in its place, with its creation time', () => {
    const p = (name: string, title: string) => ({ name, schema: { name, type: 'string', title } });
    const row = namespaceOf(
      onStream(
        created(),
        event('MetadefPropertyCreated', { namespace: NS, property: p('a', 'A') }),
        event('MetadefPropertyCreated', { namespace: NS, property: p('b', 'B') }),
        event('MetadefPropertyUpdated', { namespace: NS, name: 'a', property: p('c', 'C') }),
        event('MetadefPropertyDeleted', { namespace: NS, name: 'B' }),
      ),
    );
    expect(row!.properties).toEqual([{ ...p('c', 'C'), created_at: at(2), updated_at: at(4) }]);
  });

  it('follows objects, tags and associations through their changes', () => {
    const o = (name: string) => ({ name, description: null, required: null, properties: null });
    const row = namespaceOf(
      onStream(
        created(),
        event('MetadefObjectCreated', { namespace: NS, object: o('o1') }),
        event('MetadefObjectUpdated', { namespace: NS, name: 'o1', object: { ...o('o2'), description: 'd' } }),
        event('MetadefTagCreated', { namespace: NS, name: 't1' }),
        event('MetadefTagCreated', { namespace: NS, name: 't2' }),
        event('MetadefTagUpdated', { namespace: NS, name: 't1', newName: 't9' }),
        event('MetadefTagDeleted', { namespace: NS, name: 'T2' }),
        event('MetadefResourceTypeAssociated', { namespace: NS, association: { name: 'OS::Nova::Flavor', prefix: 'hw:', propertiesTarget: null } }),
        event('MetadefResourceTypeAssociated', { namespace: NS, association: { name: 'OS::Glance::Image', prefix: null, propertiesTarget: null } }),
        event('MetadefResourceTypeDissociated', { namespace: NS, name: 'OS::Nova::Flavor' }),
      ),
    );
    expect(row!.objects).toEqual([{ ...o('o2'), description: 'd', created_at: at(2), updated_at: at(3) }]);
    expect(row!.tags).toEqual([{ name: 't9', created_at: at(4), updated_at: at(6) }]);
    expect(row!.resource_type_associations).toEqual([{ name: 'OS::Glance::Image', prefix: null, properties_target: null, created_at: at(9), updated_at: at(9) }]);
  });

  it('drops a deleted namespace and brings it back when the name is created again', () => {
    const events = onStream(created({ tags: ['t'] }), event('MetadefNamespaceDeleted', { namespace: NS }));
    expect(namespaceOf(events)).toBeUndefined();
    const again = onStream(created({ tags: ['t'] }), event('MetadefNamespaceDeleted', { namespace: NS }), created({ visibility: 'public' }));
    expect(namespaceOf(again)).toMatchObject({ visibility: 'public', tags: [], created_at: at(3), stream_version: 2 });
  });

  it('moves a renamed namespace to the new stream with its creation times', () => {
    const events = history(
      [STREAM, created({ tags: ['t1'] })],
      ['metadef-2', created({ namespace: 'new-name', tags: ['t1'], renamedFrom: { namespace: NS, stream: STREAM } })],
      [STREAM, event('MetadefNamespaceRenamed', { namespace: NS, newNamespace: 'new-name', newStream: 'metadef-2' })],
    );
    expect(namespaceOf(events)).toBeUndefined();
    expect(namespaceOf(events, 'metadef-2')).toMatchObject({ namespace: 'new-name', created_position: '00000000000000000001', created_at: at(1), updated_at: at(2), tags: [{ name: 't1', created_at: at(1), updated_at: at(1) }] });
  });

  it('lists seeded resource types and creates the ones an association names first, once', () => {
    const events = history(
      ['metadefresourcetype-1', seeded('OS::Glance::Image')],
      [STREAM, created({ resourceTypeAssociations: [{ name: 'OS::Strata::Thing', prefix: null, propertiesTarget: null }] })],
      [STREAM, event('MetadefResourceTypeAssociated', { namespace: NS, association: { name: 'os::glance::image', prefix: null, propertiesTarget: null } })],
      [STREAM, event('MetadefResourceTypeDissociated', { namespace: NS, name: 'OS::Strata::Thing' })],
    );
    expect(resourceTypes(events)).toEqual([
      { key: 'os::glance::image', name: 'OS::Glance::Image', protected: true, created_at: at(1), updated_at: null, position: '00000000000000000001' },
      { key: 'os::strata::thing', name: 'OS::Strata::Thing', protected: false, created_at: at(2), updated_at: at(2), position: '00000000000000000002' },
    ]);
  });

  it('applies an event once even if it is delivered again', () => {
    const events = onStream(created(), event('MetadefTagCreated', { namespace: NS, name: 't' }));
    expect(namespaceOf([...events, events[1]])!.tags).toHaveLength(1);
  });
});
