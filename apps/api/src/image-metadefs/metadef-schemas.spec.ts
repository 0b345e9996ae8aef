import * as fs from 'node:fs';
import * as path from 'node:path';
import { METADEF_SCHEMAS } from './metadef-schemas';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/glance');

describe('GET /v2/schemas/metadefs/* documents', () => {
  it.each(Object.keys(METADEF_SCHEMAS))('serves %s exactly as the real Glance does, key order included', (name) => {
    const captured = JSON.parse(fs.readFileSync(path.join(FIXTURES, `schema-metadefs-${name}.json`), 'utf8'));
    expect(JSON.stringify(METADEF_SCHEMAS[name]())).toBe(JSON.stringify(captured));
  });
});
