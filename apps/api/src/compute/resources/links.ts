import type { FastifyRequest } from 'fastify';
import { RawQuery } from './nova-schema';

/** `http://host/compute`: the prefix the catalog gives Nova. */
export function computeBase(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host}/compute`;
}

/** Nova's `self` and `bookmark` links of a resource (nova/api/openstack/common.py `ViewBuilder._get_links`). */
export function resourceLinks(request: FastifyRequest, collection: string, id: string) {
  const base = computeBase(request);
  return [
    { rel: 'self', href: `${base}/v2.1/${collection}/${id}` },
    { rel: 'bookmark', href: `${base}/${collection}/${id}` },
  ];
}

/**
 * Nova's `<collection>_links` next link (`ViewBuilder._get_next_link`): the request's other
 * parameters sorted by name, then the marker.
 */
export function nextLink(request: FastifyRequest, collection: string, query: RawQuery, marker: string) {
  const params = new URLSearchParams();
  for (const key of Object.keys(query).sort()) {
    if (key === 'marker') continue;
    const raw = query[key];
    for (const v of Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) params.append(key, v);
  }
  params.append('marker', marker);
  return [{ rel: 'next', href: `${computeBase(request)}/v2.1/${collection}?${params.toString()}` }];
}

/** Nova's `common.get_limit_and_marker`/`get_pagination_params`: limit as a non-negative integer capped at `osapi_max_limit` (1000). */
export const MAX_LIMIT = 1000;
