import { InvalidInput } from '../../kernel';

// Keystone resource/schema.py `_project_tag_name_properties` and `_project_tags_list_properties`
// (API-WG tags guideline): 1..255 characters without '/' or ',', at most 80, no duplicates;
// tags are case-sensitive (doc/source/admin/case-insensitive.rst).
export const MAX_TAG_LENGTH = 255;
export const MAX_TAGS = 80;

export function requireTag(tag: string): string {
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > MAX_TAG_LENGTH) {
    throw new InvalidInput(`Invalid input for field 'tags': a tag has 1 to ${MAX_TAG_LENGTH} characters.`, { field: 'tags', tag });
  }
  if (/[,/]/.test(tag)) {
    throw new InvalidInput(`Invalid input for field 'tags': '${tag}' must not contain '/' or ','.`, { field: 'tags', tag });
  }
  return tag;
}

export function requireTags(tags: string[]): string[] {
  if (!Array.isArray(tags)) throw new InvalidInput("Invalid input for field 'tags': a list is required.", { field: 'tags' });
  tags.forEach(requireTag);
  if (tags.length > MAX_TAGS) {
    throw new InvalidInput(`Invalid input for field 'tags': at most ${MAX_TAGS} tags, got ${tags.length}.`, { field: 'tags', max: MAX_TAGS });
  }
  if (new Set(tags).size !== tags.length) {
    throw new InvalidInput("Invalid input for field 'tags': tags must be unique.", { field: 'tags' });
  }
  return tags;
}
