import { assertNever, Forbidden, NotFound } from '../../kernel';
import { sameJson } from '../validation';
import { CreateDomainConfig, DeleteDomainConfig, DomainConfigCommand, UpdateDomainConfig } from './commands';
import { DomainConfigEvent, DomainConfigOptions, SealedDomainConfigOptions } from './events';
import { isSensitiveOption, isSupportedGroup, isWhitelistedOption } from './options';
import { DomainConfigState, mergeConfig } from './state';

/** Keystone InvalidDomainConfig, a Forbidden (403): "Invalid domain specific configuration: <reason>." */
export const invalidDomainConfig = (reason: string) => new Forbidden(`Invalid domain specific configuration: ${reason}.`, { reason });

/** Keystone DomainConfigNotFound (404). */
const configNotFound = (domainId: string, what: string) => new NotFound(`Could not find ${what} in domain configuration for domain ${domainId}.`, { domainId });
const optionWords = (group: string, option: string) => `option ${option} in group ${group}`;

/** Keystone `_assert_valid_group_and_option`: a group we support, and an option we support within it. */
export function checkGroupAndOption(group: string | null, option: string | null): void {
  if (group === null) return;
  if (!isSupportedGroup(group)) throw invalidDomainConfig(`Group ${group} is not supported for domain specific configurations`);
  if (option !== null && !isWhitelistedOption(group, option) && !isSensitiveOption(group, option)) {
    throw invalidDomainConfig(`Option ${option} in group ${group} is not supported for domain specific configurations`);
  }
}

/** Keystone `_assert_valid_config` on a request body's `config`: something set, each group an object of supported options. */
export function checkDomainConfig(config: unknown): asserts config is Record<string, Record<string, unknown>> {
  if (config === null || typeof config !== 'object' || Array.isArray(config) || Object.keys(config).length === 0) throw invalidDomainConfig('No options specified');
  for (const [group, options] of Object.entries(config)) {
    if (options === null || typeof options !== 'object' || Array.isArray(options) || Object.keys(options).length === 0) {
      throw invalidDomainConfig(`The value of group ${group} specified in the config should be a dictionary of options`);
    }
    for (const option of Object.keys(options)) checkGroupAndOption(group, option);
  }
}

/** Both halves of a command's config as one `{ group: [options] }` view, for the shape checks. */
function shapeOf(options: DomainConfigOptions, sensitive: SealedDomainConfigOptions): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const half of [options, sensitive]) for (const [g, o] of Object.entries(half)) out[g] = [...(out[g] ?? []), ...Object.keys(o)];
  return out;
}

function checkHalves(options: DomainConfigOptions, sensitive: SealedDomainConfigOptions): Record<string, string[]> {
  for (const [group, o] of Object.entries(options)) for (const option of Object.keys(o)) if (!isWhitelistedOption(group, option)) checkGroupAndOption(group, option);
  for (const [group, o] of Object.entries(sensitive)) {
    for (const option of Object.keys(o)) if (!isSensitiveOption(group, option)) throw invalidDomainConfig(`Option ${option} in group ${group} is not supported for domain specific configurations`);
  }
  const shape = shapeOf(options, sensitive);
  if (Object.keys(shape).length === 0) throw invalidDomainConfig('No options specified');
  return shape;
}

export function createDomainConfig(command: CreateDomainConfig, state: DomainConfigState): DomainConfigEvent[] {
  const { domainId, options, sensitive } = command.data;
  checkHalves(options, sensitive);
  if (state.status === 'configured' && sameJson(state.options, options) && sameJson(state.sensitive, sensitive)) return [];
  return [{ type: 'DomainConfigCreated', data: { domainId, options, sensitive } }];
}

export function updateDomainConfig(command: UpdateDomainConfig, state: DomainConfigState): DomainConfigEvent[] {
  const { domainId, group, option, options, sensitive } = command.data;
  checkGroupAndOption(group, option);
  const shape = checkHalves(options, sensitive);
  const current = state.status === 'configured' ? state : { options: {}, sensitive: {} };
  if (group !== null) {
    // Keystone `_assert_valid_update`: a group (or option) PATCH carries that, and only that, group (or option), which must exist.
    const groups = Object.keys(shape);
    if (groups.length !== 1 || (option !== null && shape[groups[0]].length !== 1)) {
      throw invalidDomainConfig(
        option !== null
          ? `Trying to update option ${option} in group ${group}, so that, and only that, option must be specified  in the config`
          : `Trying to update group ${group}, so that, and only that, group must be specified in the config`,
      );
    }
    if (groups[0] !== group) throw invalidDomainConfig(`request to update group ${group}, but config provided contains group ${groups[0]} instead`);
    if (option !== null && shape[group][0] !== option) {
      throw invalidDomainConfig(`Trying to update option ${option} in group ${group}, but config provided contains option ${shape[group][0]} instead`);
    }
    const existing = shapeOf(current.options, current.sensitive)[group] ?? [];
    if (existing.length === 0) throw configNotFound(domainId, `group ${group}`);
    if (option !== null && !existing.includes(option)) throw configNotFound(domainId, optionWords(group, option));
  }
  if (sameJson(mergeConfig(current.options, options), current.options) && sameJson(mergeConfig(current.sensitive, sensitive), current.sensitive) && state.status === 'configured') return [];
  return [{ type: 'DomainConfigUpdated', data: { domainId, options, sensitive } }];
}

export function deleteDomainConfig(command: DeleteDomainConfig, state: DomainConfigState): DomainConfigEvent[] {
  const { domainId, group, option } = command.data;
  checkGroupAndOption(group, option);
  if (group === null) return state.status === 'configured' ? [{ type: 'DomainConfigDeleted', data: { domainId } }] : [];
  const current = state.status === 'configured' ? shapeOf(state.options, state.sensitive) : {};
  const existing = current[group] ?? [];
  if (existing.length === 0) throw configNotFound(domainId, `group ${group}`);
  if (option !== null && !existing.includes(option)) throw configNotFound(domainId, optionWords(group, option));
  return [{ type: 'DomainConfigOptionsRemoved', data: { domainId, group, option } }];
}

export function decideDomainConfig(command: DomainConfigCommand, state: DomainConfigState): DomainConfigEvent[] {
  switch (command.type) {
    case 'CreateDomainConfig':
      return createDomainConfig(command, state);
    case 'UpdateDomainConfig':
      return updateDomainConfig(command, state);
    case 'DeleteDomainConfig':
      return deleteDomainConfig(command, state);
    default:
      return assertNever(command);
  }
}
