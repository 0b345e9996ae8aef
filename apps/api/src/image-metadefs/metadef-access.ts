import type { MetadefNamespaceRow } from '../../../../projections/image';
import { authorize, isAdmin, TokenContext } from '../../../shared/src/auth';
import { GlanceError } from '../image/glance-errors';
import { viewerOf } from '../image/glance-viewer';
import { MetadefReads } from './metadef-reads';

/**
 * How an endpoint answers a namespace it cannot show (glance/api/v2/metadef_*.py): most say
 * "Namespace X not found" for a missing and an invisible one alike; the object endpoints let the
 * repository's "Metadata definition namespace=X was not found." through for a missing one; the
 * namespace's own GET answers an invisible one with webob's bare 404.
 */
export type NotFoundWording = 'namespace-not-found' | 'objects' | 'show';

export async function visibleNamespace(reads: MetadefReads, token: TokenContext, name: string, wording: NotFoundWording = 'namespace-not-found'): Promise<MetadefNamespaceRow> {
  const row = await reads.namespace(name);
  const visible = row !== null && MetadefReads.visible(row, viewerOf(token));
  if (visible) return row;
  if (wording === 'namespace-not-found' || (row !== null && wording === 'objects')) throw new GlanceError(404, `Namespace ${name} not found`);
  if (row === null) throw new GlanceError(404, `Metadata definition namespace=${name} was not found.`);
  throw new GlanceError(404, 'The resource could not be found.');
}

/** Glance's metadef policies default every write to `role:admin` (glance/policies/metadef.py `metadef_admin`). */
export function requireMetadefAdmin(token: TokenContext, ...rules: string[]): void {
  for (const rule of rules) authorize(`image:${rule}`, isAdmin(token));
}
