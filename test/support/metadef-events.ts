import { MetadefNamespaceCreated, MetadefNamespaceEvent } from '../../domain/image';

/** The namespace the metadef specs work on. */
export const METADEF_NS = 'OS::Strata::Test';

/** A private, empty MetadefNamespaceCreated owned by p1, with `data` over it. */
export const metadefNamespaceCreated = (data: Partial<MetadefNamespaceCreated['data']> = {}): MetadefNamespaceEvent => ({
  type: 'MetadefNamespaceCreated',
  data: {
    namespace: METADEF_NS,
    displayName: null,
    description: null,
    visibility: 'private',
    protected: false,
    owner: 'p1',
    properties: [],
    objects: [],
    tags: [],
    resourceTypeAssociations: [],
    renamedFrom: null,
    ...data,
  },
});
