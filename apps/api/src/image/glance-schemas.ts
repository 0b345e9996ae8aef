import { CONTAINER_FORMATS, DISK_FORMATS, MEMBER_STATUSES } from '../../../../domain/image';
import type { JsonSchema } from './glance-jsonschema';

// The JSON schemas of GET /v2/schemas/* (glance/api/v2/images.py `get_base_properties`,
// image_members.py `get_schema`): glanceclient validates against them and tempest reads them.
const UUID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

const PROPERTY_KEYS = 'https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html';

const nullable = (type: string) => ['null', type];
const readOnly = (type: string | string[], description: string, extra: object = {}) => ({ type, readOnly: true, description, ...extra });

export function imageSchema(): JsonSchema & { name: string; links: unknown[] } {
  return {
    name: 'image',
    properties: {
      id: { type: 'string', description: 'An identifier for the image', pattern: UUID_PATTERN },
      name: { type: nullable('string'), description: 'Descriptive name for the image', maxLength: 255 },
      status: readOnly('string', 'Status of the image', { enum: ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'] }),
      // Glance's order, not the domain's: clients print it and the 400 texts quote it.
      visibility: { type: 'string', description: 'Scope of image accessibility', enum: ['community', 'public', 'private', 'shared'] },
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
      stores: readOnly('string', 'Store in which image data resides.  Only present when the operator has enabled multiple stores.  May be a comma-separated list of store identifiers.'),
      schema: readOnly('string', 'An image schema url'),
      locations: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            url: { type: 'string', maxLength: 255 },
            metadata: { type: 'object' },
            validation_data: {
              description:
                "Values to be used to populate the corresponding image properties. If the image status is not 'queued', values must exactly match those already contained in the image properties.",
              type: 'object',
              writeOnly: true,
              additionalProperties: false,
              properties: {
                checksum: { type: 'string', minLength: 32, maxLength: 32 },
                os_hash_algo: { type: 'string', maxLength: 64 },
                os_hash_value: { type: 'string', maxLength: 128 },
              },
              required: ['os_hash_algo', 'os_hash_value'],
            },
          },
          required: ['url', 'metadata'],
        },
        description: 'A set of URLs to access the image file kept in external store',
      },
      // Common image properties (glance's schema-image.json), extra properties in the API.
      kernel_id: { type: nullable('string'), pattern: UUID_PATTERN, description: 'ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.', is_base: false },
      ramdisk_id: { type: nullable('string'), pattern: UUID_PATTERN, description: 'ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.', is_base: false },
      instance_uuid: {
        type: 'string',
        description: 'Metadata which can be used to record which instance this image is associated with. (Informational only, does not create an instance snapshot.)',
        is_base: false,
      },
      architecture: { description: `Operating system architecture as specified in ${PROPERTY_KEYS}`, type: 'string', is_base: false },
      os_distro: { description: `Common name of operating system distribution as specified in ${PROPERTY_KEYS}`, type: 'string', is_base: false },
      os_version: { description: 'Operating system version as specified by the distributor.', type: 'string', is_base: false },
      description: { description: 'A human-readable string describing this image.', type: 'string', is_base: false },
      cinder_encryption_key_id: {
        description: 'Identifier in the OpenStack Key Management Service for the encryption key for the Block Storage Service to use when mounting a volume created from this image',
        type: 'string',
        is_base: false,
      },
      cinder_encryption_key_deletion_policy: {
        description:
          "States the condition under which the Image Service will delete the object associated with the 'cinder_encryption_key_id' image property.  If this property is missing, the Image Service will take no action",
        type: 'string',
        enum: ['on_image_deletion', 'do_not_delete'],
        is_base: false,
      },
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
    links: [{ rel: 'describedby', href: '{schema}' }],
  };
}

export const IMAGE_ID = new RegExp(UUID_PATTERN);
