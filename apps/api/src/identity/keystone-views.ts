import type { FastifyRequest } from 'fastify';
import type { GroupRow, DomainRow, ProjectRow, RoleRow, UserRow, EndpointRow, ServiceRow, RegionRow } from '../../../../projections/identity';

type RequestLike = Pick<FastifyRequest, 'headers' | 'protocol' | 'url'>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();

/**
 * `<scheme>://<host>/identity/v3`, from the request as Keystone builds its links from the Host
 * header (test/fixtures/keystone/README.md §1), so the CLI follows them back to this server.
 */
export function identityBaseUrl(request: RequestLike): string {
  const host = first(request.headers['x-forwarded-host']) ?? first(request.headers.host) ?? '127.0.0.1';
  const proto = first(request.headers['x-forwarded-proto']) ?? request.protocol ?? 'http';
  return `${proto}://${host}/identity/v3`;
}

/** `links` of a list: `self` is the request URL with its query; Keystone never paginates. */
export function listLinks(request: RequestLike) {
  const base = identityBaseUrl(request);
  const path = request.url.replace(/^\/identity\/v3/, '');
  return { next: null, self: `${base}${path}`, previous: null };
}

/** Keystone's instant format: `YYYY-MM-DDTHH:MM:SS.000000Z`. */
export function keystoneInstant(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, '.000000Z');
}

export function projectView(base: string, p: ProjectRow) {
  return {
    ...p.extra,
    id: p.id,
    name: p.name,
    domain_id: p.domain_id,
    description: p.description,
    enabled: p.enabled,
    parent_id: p.parent_id,
    is_domain: p.is_domain,
    tags: p.tags,
    options: p.options,
    links: { self: `${base}/projects/${p.id}` },
  };
}

/** `email`, `description` and `default_project_id` are Keystone "extra" attributes: present only when set, and first. */
export function userView(base: string, u: UserRow) {
  return {
    ...u.extra,
    ...(u.email != null ? { email: u.email } : {}),
    ...(u.description != null ? { description: u.description } : {}),
    id: u.id,
    name: u.name,
    domain_id: u.domain_id,
    enabled: u.enabled,
    ...(u.default_project_id != null ? { default_project_id: u.default_project_id } : {}),
    password_expires_at: u.password_expires_at == null ? null : keystoneInstant(u.password_expires_at).replace(/Z$/, ''),
    options: u.options,
    links: { self: `${base}/users/${u.id}` },
  };
}

export function roleView(base: string, r: RoleRow) {
  return { id: r.id, name: r.name, domain_id: r.domain_id, description: r.description, options: r.options, links: { self: `${base}/roles/${r.id}` } };
}

export function regionView(base: string, r: RegionRow) {
  return { id: r.id, description: r.description, parent_region_id: r.parent_region_id, links: { self: `${base}/regions/${r.id}` } };
}

export function serviceView(base: string, s: ServiceRow) {
  return {
    ...(s.name != null ? { name: s.name } : {}),
    ...(s.description != null ? { description: s.description } : {}),
    id: s.id,
    type: s.type,
    enabled: s.enabled,
    links: { self: `${base}/services/${s.id}` },
  };
}

export function endpointView(base: string, e: EndpointRow) {
  return { id: e.id, interface: e.interface, region_id: e.region_id, service_id: e.service_id, url: e.url, enabled: e.enabled, region: e.region_id, links: { self: `${base}/endpoints/${e.id}` } };
}

export interface CatalogEntry {
  endpoints: { id: string; interface: string; region_id: string | null; url: string; region: string | null }[];
  id: string;
  type: string;
  name: string;
}

export function catalogView(services: ServiceRow[], endpoints: EndpointRow[]): CatalogEntry[] {
  return services
    .filter((s) => s.enabled)
    .map((s) => ({
      endpoints: endpoints
        .filter((e) => e.service_id === s.id && e.enabled)
        .map((e) => ({ id: e.id, interface: e.interface, region_id: e.region_id, url: e.url, region: e.region_id })),
      id: s.id,
      type: s.type,
      name: s.name ?? '',
    }));
}

/** A domain as GET /v3/projects shows it: Keystone's is_domain project, with neither domain nor parent. */
export function domainAsProjectView(base: string, d: DomainRow) {
  return {
    id: d.id,
    name: d.name,
    domain_id: null,
    description: d.description,
    enabled: d.enabled,
    parent_id: null,
    is_domain: true,
    tags: [] as string[],
    options: d.options,
    links: { self: `${base}/projects/${d.id}` },
  };
}

export function domainView(base: string, d: DomainRow) {
  return { id: d.id, name: d.name, description: d.description, enabled: d.enabled, tags: [], options: d.options, links: { self: `${base}/domains/${d.id}` } };
}

export function groupView(base: string, g: GroupRow) {
  return { id: g.id, name: g.name, domain_id: g.domain_id, description: g.description, links: { self: `${base}/groups/${g.id}` } };
}
