import { isIPv4, isIPv6 } from 'node:net';
import { ApiVersion } from '../microversion';
import { badRequest } from '../nova-errors';
import { NovaSchema, PARAMETER_TYPES, validateBody } from '../resources/nova-schema';

const UUID = '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$';
const metadata: NovaSchema = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } },
  additionalProperties: false,
};
const accessIp = { type: 'string' };
const diskConfig = { type: 'string', enum: ['AUTO', 'MANUAL'] };

/**
 * accessIPv4/accessIPv6 (parameter_types.py: format ipv4/ipv6), as Nova keeps them: its IPAddress
 * fields store netaddr's text, so an IPv6 address comes back compressed (RFC 5952).
 * Undefined when absent, null for null.
 */
export function accessAddress(field: 'accessIPv4' | 'accessIPv6', value: unknown): string | null | undefined {
  if (value === undefined || value === null) return value;
  const text = String(value);
  const invalid = () => badRequest(`Invalid input for field/attribute ${field}. Value: ${text}. '${text}' is not a '${field === 'accessIPv4' ? 'ipv4' : 'ipv6'}'`);
  if (field === 'accessIPv4') {
    if (!isIPv4(text)) throw invalid();
    return text;
  }
  if (!isIPv6(text)) throw invalid();
  try {
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    throw invalid();
  }
}

/** OS-DCF:diskConfig as a flag; undefined when not asked. */
export const autoDiskConfig = (value: unknown): boolean | undefined => (value === undefined ? undefined : value === 'AUTO');

/** nova/api/openstack/compute/schemas/servers.py `base_create` and its microversion variants. */
export function createSchema(v: ApiVersion): NovaSchema {
  const server: Record<string, NovaSchema> = {
    name: PARAMETER_TYPES.name,
    imageRef: { type: 'string' },
    flavorRef: { type: ['string', 'integer'], minLength: 1 },
    adminPass: { type: 'string' },
    metadata,
    networks: v.atLeast('2.37')
      ? { oneOf: [{ type: 'array', items: { type: 'object', properties: { uuid: { type: 'string' }, port: { type: ['string', 'null'] }, fixed_ip: { type: 'string' }, tag: { type: 'string' } }, additionalProperties: false } }, { type: 'string', enum: ['none', 'auto'] }] }
      : { type: 'array', items: { type: 'object', properties: { uuid: { type: 'string' }, port: { type: ['string', 'null'] }, fixed_ip: { type: 'string' } }, additionalProperties: false } },
    'OS-DCF:diskConfig': diskConfig,
    accessIPv4: accessIp,
    accessIPv6: accessIp,
    config_drive: { type: ['boolean', 'string'] },
    min_count: PARAMETER_TYPES.positiveInteger,
    max_count: PARAMETER_TYPES.positiveInteger,
    return_reservation_id: PARAMETER_TYPES.boolean,
    security_groups: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false } },
    user_data: { type: 'string', maxLength: 65535 },
    availability_zone: { type: 'string', minLength: 1, maxLength: 255 },
    key_name: { type: 'string', minLength: 1, maxLength: 255 },
    block_device_mapping: { type: 'array' },
    block_device_mapping_v2: { type: 'array' },
  };
  if (v.below('2.57')) server.personality = { type: 'array' };
  if (v.atLeast('2.19')) server.description = PARAMETER_TYPES.description;
  if (v.atLeast('2.52')) server.tags = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 60 }, maxItems: 50 };
  if (v.atLeast('2.63')) server.trusted_image_certificates = { type: ['array', 'null'] };
  if (v.atLeast('2.74')) {
    server.host = { type: 'string', minLength: 1, maxLength: 255 };
    server.hypervisor_hostname = { type: 'string', minLength: 1, maxLength: 255 };
  }
  if (v.atLeast('2.90')) server.hostname = { type: 'string', minLength: 1, maxLength: 63 };
  const required = v.atLeast('2.37') ? ['name', 'flavorRef', 'networks'] : ['name', 'flavorRef'];
  return {
    type: 'object',
    properties: {
      server: { type: 'object', properties: server, required, additionalProperties: false },
      'os:scheduler_hints': { type: 'object', properties: { group: { type: 'string', pattern: UUID }, same_host: { type: ['string', 'array'] }, different_host: { type: ['string', 'array'] } } },
      'OS-SCH-HNT:scheduler_hints': { type: 'object' },
    },
    required: ['server'],
    additionalProperties: false,
  };
}

export interface CreateRequest {
  name: string;
  imageRef: string | null;
  flavorRef: string;
  metadata: Record<string, string>;
  networks: 'none' | 'auto' | { uuid?: string; port?: string | null }[] | null;
  availabilityZone: string | null;
  keyName: string | null;
  minCount: number;
  maxCount: number;
  returnReservationId: boolean;
  userData: string | null;
  accessIPv4: string | null;
  accessIPv6: string | null;
  /** The adminPass asked for (else Nova generates one). */
  adminPass: string | null;
  autoDiskConfig: boolean;
  securityGroups: string[];
  configDrive: string;
  description: string | null;
  tags: string[];
  host: string | null;
  hostname: string | null;
  hints: { group: string | null; sameHost: string[]; differentHost: string[] };
}

const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

export function parseCreate(body: unknown, v: ApiVersion): CreateRequest {
  validateBody(createSchema(v), body);
  const b = body as { server: Record<string, unknown>; 'os:scheduler_hints'?: Record<string, unknown>; 'OS-SCH-HNT:scheduler_hints'?: Record<string, unknown> };
  const s = b.server;
  const hints = b['os:scheduler_hints'] ?? b['OS-SCH-HNT:scheduler_hints'] ?? {};
  const minCount = Number(s.min_count ?? 1);
  const maxCount = Number(s.max_count ?? minCount);
  // nova/api/openstack/compute/servers.py `create`
  if (minCount > maxCount) throw badRequest('min_count must be <= max_count');
  if (s.user_data !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(String(s.user_data).replace(/\s/g, ''))) {
    throw badRequest('Invalid input for field/attribute user_data. Value: ' + String(s.user_data) + ". '" + String(s.user_data) + "' is not a 'base64'");
  }
  return {
    name: String(s.name),
    imageRef: s.imageRef === undefined || s.imageRef === '' ? null : String(s.imageRef).split('/').pop()!,
    flavorRef: String(s.flavorRef).split('/').pop()!,
    metadata: (s.metadata as Record<string, string>) ?? {},
    networks: (s.networks as CreateRequest['networks']) ?? null,
    availabilityZone: (s.availability_zone as string) ?? null,
    keyName: (s.key_name as string) ?? null,
    minCount,
    maxCount,
    returnReservationId: s.return_reservation_id === true || /^(true|1|on|yes)$/i.test(String(s.return_reservation_id ?? '')),
    userData: (s.user_data as string) ?? null,
    accessIPv4: accessAddress('accessIPv4', s.accessIPv4) ?? null,
    accessIPv6: accessAddress('accessIPv6', s.accessIPv6) ?? null,
    adminPass: (s.adminPass as string | undefined) ?? null,
    autoDiskConfig: s['OS-DCF:diskConfig'] === 'AUTO',
    securityGroups: ((s.security_groups as { name?: string }[] | undefined) ?? []).map((g) => String(g.name ?? '')),
    configDrive: s.config_drive === true || s.config_drive === 'True' || s.config_drive === 'true' ? 'True' : '',
    description: (s.description as string | null) ?? null,
    tags: (s.tags as string[]) ?? [],
    host: (s.host as string) ?? null,
    hostname: (s.hostname as string) ?? null,
    hints: { group: (hints.group as string) ?? null, sameHost: asList(hints.same_host), differentHost: asList(hints.different_host) },
  };
}

/** nova/api/openstack/compute/schemas/servers.py `base_update`. */
export function updateSchema(v: ApiVersion): NovaSchema {
  const server: Record<string, NovaSchema> = { name: PARAMETER_TYPES.name, 'OS-DCF:diskConfig': diskConfig, accessIPv4: accessIp, accessIPv6: accessIp };
  if (v.atLeast('2.19')) server.description = PARAMETER_TYPES.description;
  if (v.atLeast('2.90')) server.hostname = { type: 'string', minLength: 1, maxLength: 63 };
  return { type: 'object', properties: { server: { type: 'object', properties: server, additionalProperties: false } }, required: ['server'], additionalProperties: false };
}

export const metadataSchema = (key: 'metadata' | 'meta'): NovaSchema => ({
  type: 'object',
  properties: { [key]: key === 'meta' ? { ...metadata, minProperties: 1, maxProperties: 1 } : metadata },
  required: [key],
  additionalProperties: false,
});

/** The actions of POST /servers/{id}/action and their body schemas (nova/api/openstack/compute/schemas). */
export function actionSchema(action: string, v: ApiVersion): NovaSchema | null {
  const empty = { type: ['object', 'null'] };
  switch (action) {
    case 'os-start':
    case 'os-stop':
    case 'pause':
    case 'unpause':
    case 'suspend':
    case 'resume':
    case 'unlock':
    case 'confirmResize':
    case 'revertResize':
    case 'forceDelete':
      return empty;
    case 'lock':
      return v.atLeast('2.73') ? { type: ['object', 'null'], properties: { locked_reason: { type: 'string', minLength: 1, maxLength: 255 } }, additionalProperties: false } : empty;
    case 'reboot':
      return {
        type: 'object',
        properties: { type: { type: 'string', enum: ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'] } },
        required: ['type'],
        additionalProperties: false,
      };
    case 'resize':
      return { type: 'object', properties: { flavorRef: { type: ['string', 'integer'], minLength: 1 }, 'OS-DCF:diskConfig': diskConfig }, required: ['flavorRef'], additionalProperties: false };
    case 'rebuild': {
      const p: Record<string, NovaSchema> = {
        imageRef: { type: 'string' },
        name: PARAMETER_TYPES.name,
        adminPass: { type: 'string' },
        metadata,
        preserve_ephemeral: PARAMETER_TYPES.boolean,
        'OS-DCF:diskConfig': diskConfig,
        accessIPv4: accessIp,
        accessIPv6: accessIp,
      };
      if (v.below('2.57')) p.personality = { type: 'array' };
      if (v.atLeast('2.19')) p.description = PARAMETER_TYPES.description;
      if (v.atLeast('2.54')) p.key_name = { type: ['string', 'null'] };
      if (v.atLeast('2.57')) p.user_data = { type: ['string', 'null'] };
      if (v.atLeast('2.63')) p.trusted_image_certificates = { type: ['array', 'null'] };
      if (v.atLeast('2.90')) p.hostname = { type: 'string' };
      return { type: 'object', properties: p, required: ['imageRef'], additionalProperties: false };
    }
    case 'os-resetState':
      return { type: 'object', properties: { state: { type: 'string', enum: ['active', 'error'] } }, required: ['state'], additionalProperties: false };
    case 'restore':
      return empty;
    // nova/api/openstack/compute/schemas/migrate_server.py: a schema from 2.56 only (before, anything); the host is an fqdn or null.
    case 'migrate':
      return v.atLeast('2.56')
        ? { type: ['object', 'null'], properties: { host: { type: ['string', 'null'], minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' } }, additionalProperties: false }
        : {};
    // nova/api/openstack/compute/schemas/servers.py `create_image`
    case 'createImage':
      return { type: 'object', properties: { name: PARAMETER_TYPES.name, metadata }, required: ['name'], additionalProperties: false };
    // nova/api/openstack/compute/schemas/shelve.py: anything for shelve and shelveOffload (and unshelve before 2.77).
    case 'shelve':
    case 'shelveOffload':
      return {};
    case 'unshelve':
      if (v.atLeast('2.91')) return { type: ['object', 'null'], properties: { availability_zone: { type: ['string', 'null'] }, host: { type: 'string' } }, additionalProperties: false };
      // 2.77: null, or an object with the zone (`{}` is refused).
      if (v.atLeast('2.77')) return { type: ['object', 'null'], properties: { availability_zone: PARAMETER_TYPES.name }, required: ['availability_zone'], additionalProperties: false };
      return {};
    case 'os-getConsoleOutput':
      return { type: 'object', properties: { length: { type: ['integer', 'string', 'null'], pattern: '^-?[0-9]+$', minimum: -1 } }, additionalProperties: false };
    default:
      return null;
  }
}
