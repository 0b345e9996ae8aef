import * as fs from 'node:fs';
import * as path from 'node:path';
import { namespaceSchema, objectSchema, propertySchema, resourceTypeAssociationSchema, tagListSchema, tagSchema } from '../image-metadefs/metadef-schemas';
import { GlanceError } from './glance-errors';
import { JsonSchema, validateAgainst } from './glance-jsonschema';
import { imageSchema } from './glance-schemas';

// Bodies the real Glance (Zed, python3-jsonschema 4.10) refused, with its messages (webob's `<br />` tail cut).
const CASES: { schema: string; method: string; path: string; body: unknown; status: number; message: string }[] = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../../test/image-metadefs/fixtures/schema-errors.json'), 'utf8'),
);
const SCHEMAS = { namespace: namespaceSchema(), object: objectSchema(), property: propertySchema(), tag: tagSchema(), tags: tagListSchema(), resource_type_association: resourceTypeAssociationSchema() };

function refusal(schema: JsonSchema, body: unknown): GlanceError {
  let thrown: unknown;
  try {
    validateAgainst(schema, body);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(GlanceError);
  return thrown as GlanceError;
}

describe('metadef request validation', () => {
  it.each(CASES.map((c) => [`${c.method} ${c.path} ${JSON.stringify(c.body).slice(0, 60)}`, c] as const))('words the error of %s as Glance does', (_label, c) => {
    const thrown = refusal(SCHEMAS[c.schema as keyof typeof SCHEMAS], c.body);
    expect(thrown.status).toBe(c.status);
    expect(thrown.message).toBe(c.message.replace(/<br \/><br \/>\n\n\n$/, ''));
  });

  it('accepts what the schemas allow', () => {
    expect(() => validateAgainst(SCHEMAS.namespace, { namespace: 'n', properties: { p: { title: 'P', type: 'string', enum: ['a'] } }, tags: [{ name: 't' }] })).not.toThrow();
    expect(() => validateAgainst(SCHEMAS.property, { name: 'p', title: 'P', type: 'array', items: { type: 'string' }, minItems: 0 })).not.toThrow();
  });
});

describe('image request validation', () => {
  const image = imageSchema();

  it('words an extra property of the wrong type as Glance does (error-create-bad-values.md)', () => {
    const thrown = refusal(image, { name: 'fx-bad', foo: 1 });
    expect(thrown.status).toBe(400);
    expect(thrown.message).toBe(
      "Provided object does not match schema 'image': 1 is not of type 'string'\n\nFailed validating 'type' in schema['additionalProperties']:\n    {'type': 'string'}\n\nOn instance['foo']:\n    1",
    );
  });

  it('refuses a kernel_id that is not a UUID', () => {
    expect(refusal(image, { kernel_id: 'k' }).message).toMatch(/^Provided object does not match schema 'image': 'k' does not match '\^\(\[0-9a-fA-F\]\)\{8\}-/);
  });

  it('names unexpected keys sorted, whatever order they were sent in', () => {
    const body = { locations: [{ url: 'u', metadata: {}, validation_data: { os_hash_algo: 'a', os_hash_value: 'b', zz: 1, aa: 2 } }] };
    expect(refusal(image, body).message).toMatch(/\('aa', 'zz' were unexpected\)/);
  });

  it('accepts what the schema allows', () => {
    expect(() => validateAgainst(image, { name: 'n', tags: ['t'], kernel_id: '12345678-1234-1234-1234-123456789abc', hw_disk_bus: 'virtio' })).not.toThrow();
  });
});
