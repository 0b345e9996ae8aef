import { CONTAINER_FORMATS, DISK_FORMATS, MEMBER_STATUSES, VISIBILITIES } from '../../../../domain/image';

// The JSON schemas of GET /v2/schemas/* (glance/api/v2/images.py `get_base_properties`,
// image_members.py `get_schema`): glanceclient validates against them and tempest reads them.
const UUID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

const nullable = (type: string) => ['null', type];
const readOnly = (type: string | string[], description: string, extra: object = {}) => ({ type, readOnly: true, description, ...extra });

export function imageSchema() {
  return {
    name: 'image',
    properties: {
      id: { type: 'string', description: 'An identifier for the image', pattern: UUID_PATTERN },
      name: { type: nullable('string'), description: 'Descriptive name for the image', maxLength: 255 },
      status: readOnly('string', 'Status of the image', { enum: ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'] }),
      visibility: { type: 'string', description: 'Scope of image accessibility', enum: [...VISIBILITIES] },
      protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
      os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
      checksum: readOnly(nullable('string'), 'md5 hash of image contents.', { maxLength: 32 }),
      os_hash_algo: readOnly(nullable('string'), 'Algorithm to calculate the os_hash_value', { maxLength: 64 }),
      os_hash_value: readOnly(nullable('string'), 'Hexdigest of the image contents using the algorithm specified by the os_hash_algo', { maxLength: 128 }),
      owner: { type: nullable('string'), description: 'Owner of the image', maxLength: 255 },
      size: readOnly(nullable('integer'), 'Size of image file in bytes'),
      virtual_size: readOnly(nullable('integer'), 'Virtual size of image in bytes'),
      container_format: { type: nullable('string'), description: 'Format of the container', enum: [null, ...CONTAINER_FORMATS] },
      disk_format: { type: nullable('string'), description: 'Format of the disk', enum: [null, ...DISK_FORMATS] },
      created_at: readOnly('string', 'Date and time of image registration'),
      updated_at: readOnly('string', 'Date and time of the last image modification'),
      tags: { type: 'array', description: 'List of strings related to the image', items: { type: 'string', maxLength: 255 } },
      direct_url: readOnly('string', 'URL to access the image file kept in external store'),
      min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
      min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
      self: readOnly('string', 'An image self url'),
      file: readOnly('string', 'An image file url'),
      schema: readOnly('string', 'An image schema url'),
      locations: {
        type: 'array',
        items: { type: 'object', properties: { url: { type: 'string', maxLength: 255 }, metadata: { type: 'object' } }, required: ['url', 'metadata'] },
        description: 'A set of URLs to access the image file kept in external store',
      },
      // Common image properties (glance's schema-image.json), extra properties in the API.
      kernel_id: { type: nullable('string'), pattern: UUID_PATTERN, description: 'ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.', is_base: false },
      ramdisk_id: { type: nullable('string'), pattern: UUID_PATTERN, description: 'ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.', is_base: false },
      instance_uuid: { type: 'string', description: 'Metadata which can be used to record which instance this image is associated with.', is_base: false },
      architecture: { type: 'string', description: 'Operating system architecture', is_base: false },
      os_distro: { type: 'string', description: 'Common name of operating system distribution', is_base: false },
      os_version: { type: 'string', description: 'Operating system version as specified by the distributor.', is_base: false },
      description: { type: 'string', description: 'A human-readable string describing this image.', is_base: false },
    },
    additionalProperties: { type: 'string' },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

export function imagesSchema() {
  return {
    name: 'images',
    properties: { images: { type: 'array', items: imageSchema() }, first: { type: 'string' }, next: { type: 'string' }, schema: { type: 'string' } },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

export function memberSchema() {
  return {
    name: 'member',
    properties: {
      member_id: { type: 'string', description: 'An identifier for the image member (tenantId)' },
      image_id: { type: 'string', description: 'An identifier for the image', pattern: UUID_PATTERN },
      created_at: { type: 'string', description: 'Date and time of image member creation' },
      updated_at: { type: 'string', description: 'Date and time of last modification of image member' },
      status: { type: 'string', description: 'The status of this image member', enum: [...MEMBER_STATUSES] },
      schema: { readOnly: true, type: 'string' },
    },
  };
}

export function membersSchema() {
  return {
    name: 'members',
    properties: { members: { type: 'array', items: memberSchema() }, schema: { type: 'string' } },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

export const IMAGE_ID = new RegExp(UUID_PATTERN);
