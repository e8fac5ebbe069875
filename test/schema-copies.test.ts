import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pairs = [
  ['ovf-schema/port-profile.schema.json', 'src/netsec/profiles/profile.schema.json'],
  ['ovf-schema/profile-catalog.schema.json', 'src/netsec/catalog/catalog.schema.json'],
  ['ovf-schema/vars.schema.json', 'src/macros/vars.schema.json'],
];

describe('published schemas', () => {
  it.each(pairs)('%s is the schema the code validates with', (published, used) => {
    expect(readFileSync(published, 'utf8')).toBe(readFileSync(used, 'utf8'));
  });
});
