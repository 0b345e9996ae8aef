import * as fs from 'node:fs';
import * as path from 'node:path';
import { GlanceError } from '../image/glance-errors';
import { namespaceSchema, objectSchema, propertySchema, resourceTypeAssociationSchema, tagListSchema, tagSchema } from './metadef-schemas';
import { validateAgainst } from './metadef-validation';

// Bodies the real Glance (Zed, python3-jsonschema 4.10) refused, with its messages (webob's `<br />` tail cut).
const CASES: { schema: string; method: string; path: string; body: unknown; status: number; message: string }[] = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../../test/image-metadefs/fixtures/schema-errors.json'), 'utf8'),
);
const SCHEMAS = { namespace: namespaceSchema(), object: objectSchema(), property: propertySchema(), tag: tagSchema(), tags: tagListSchema(), resource_type_association: resourceTypeAssociationSchema() };

describe('metadef request validation', () => {
  it.each(CASES.map((c) => [`${c.method} ${c.path} ${JSON.stringify(c.body).slice(0, 60)}`, c] as const))('words the error of %s as Glance does', (_label, c) => {
    let thrown: unknown;
    try {
      validateAgainst(SCHEMAS[c.schema as keyof typeof SCHEMAS], c.body);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(GlanceError);
    expect((thrown as GlanceError).status).toBe(c.status);
    expect((thrown as GlanceError).message).toBe(c.message.replace(/<br \/><br \/>\n\n\n$/, ''));
  });

  it('accepts what the schemas allow', () => {
    expect(() => validateAgainst(SCHEMAS.namespace, { namespace: 'n', properties: { p: { title: 'P', type: 'string', enum: ['a'] } }, tags: [{ name: 't' }] })).not.toThrow();
    expect(() => validateAgainst(SCHEMAS.property, { name: 'p', title: 'P', type: 'array', items: { type: 'string' }, minItems: 0 })).not.toThrow();
  });
});
