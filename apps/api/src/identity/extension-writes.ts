import { createHash } from 'node:crypto';
import { Inject, Injectable, Provider } from '@nestjs/common';
import {
  ConsumerExtra,
  credentialDecider,
  credentialStream,
  domainConfigDecider,
  DomainConfigOptions,
  domainConfigStream,
  endpointGroupDecider,
  EndpointGroupFilters,
  endpointGroupStream,
  isSensitiveOption,
  oauthConsumerDecider,
  oauthConsumerStream,
  OptionValue,
  policyDecider,
  PolicyExtra,
  policyStream,
  SealedBlob,
  SealedDomainConfigOptions,
} from '../../../../domain/identity';
import { CommandMetadata, EventStore, Position } from '../../../../domain/kernel';
import { StrataConfig } from '../../../../infra/config';
import { CredentialCipher, credentialKeyFile } from '../../../../infra/identity/credential-crypto';
import { uuidFromName } from '../../../../infra/ids/ids';
import { keystoneId, runCommand } from '../../../shared/src/identity-commands';
import { EVENT_STORE, STRATA_CONFIG } from '../../../shared/src/runtime.tokens';
import { KeystoneError } from './keystone-errors';

/** The process's credential cipher, its key in the data dir (created on first start). */
export const credentialCipherProvider: Provider = {
  provide: CredentialCipher,
  useFactory: (config: StrataConfig) => CredentialCipher.open(credentialKeyFile(config.dataDir)),
  inject: [STRATA_CONFIG],
};

/** Keystone `utils.hash_access_key`: an ec2 credential's id is the SHA-256 hex of its access key. */
export const ec2CredentialId = (access: string): string => createHash('sha256').update(access, 'utf8').digest('hex');

/** The owner a sealed value is bound to (the cipher's additional data). */
export const credentialOwner = (credentialId: string) => `credential:${credentialId}`;
export const domainConfigOwner = (domainId: string, group: string, option: string) => `domainconfig:${domainId}:${group}:${option}`;

/** As IdentityWrites: the id of what a request creates derives from its request id, so a retry lands on the same stream. */
const newEntityId = (kind: string, meta: CommandMetadata) => keystoneId(uuidFromName(`identity-create\u0000${kind}\u0000${meta.requestId}`));

/**
 * Commands of Keystone's side APIs (credentials, policies, OAuth1 consumers, endpoint groups,
 * domain configuration). Secrets are sealed (credential blobs, sensitive domain options) or hashed
 * (consumer secrets) here, before a command exists, so none reaches the log in the clear.
 */
@Injectable()
export class ExtensionWrites {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly cipher: CredentialCipher,
  ) {}

  /** Opens a blob sealed by `createCredential`/`updateCredential`. */
  openCredentialBlob(credentialId: string, sealed: SealedBlob): string {
    return this.cipher.open(sealed, credentialOwner(credentialId));
  }

  async createCredential(
    input: { id?: string; userId: string; projectId: string | null; type: string; blob: string },
    meta: CommandMetadata,
  ): Promise<{ credentialId: string; position: Position | null }> {
    const credentialId = input.id ?? newEntityId('credential', meta);
    const blob = this.cipher.seal(input.blob, credentialOwner(credentialId));
    const result = await runCommand(this.store, credentialDecider, credentialStream(credentialId), 'CreateCredential', { credentialId, userId: input.userId, projectId: input.projectId, type: input.type, blob }, meta);
    return { credentialId, position: result.position };
  }

  async updateCredential(
    credentialId: string,
    patch: { userId?: string; projectId?: string | null; type?: string; blob?: string },
    meta: CommandMetadata,
  ): Promise<Position | null> {
    const blob = patch.blob === undefined ? undefined : this.cipher.seal(patch.blob, credentialOwner(credentialId));
    return (await runCommand(this.store, credentialDecider, credentialStream(credentialId), 'UpdateCredential', { credentialId, userId: patch.userId, projectId: patch.projectId, type: patch.type, blob }, meta)).position;
  }

  async deleteCredential(credentialId: string, meta: CommandMetadata): Promise<Position | null> {
    return (await runCommand(this.store, credentialDecider, credentialStream(credentialId), 'DeleteCredential', { credentialId }, meta)).position;
  }

  async createPolicy(input: { type: string; blob: string; extra: PolicyExtra }, meta: CommandMetadata): Promise<{ policyId: string; position: Position | null }> {
    const policyId = newEntityId('policy', meta);
    const result = await runCommand(this.store, policyDecider, policyStream(policyId), 'CreatePolicy', { policyId, ...input }, meta);
    return { policyId, position: result.position };
  }

  async updatePolicy(policyId: string, patch: { type?: string; blob?: string; extra?: PolicyExtra }, meta: CommandMetadata): Promise<Position | null> {
    return (await runCommand(this.store, policyDecider, policyStream(policyId), 'UpdatePolicy', { policyId, ...patch }, meta)).position;
  }

  async deletePolicy(policyId: string, meta: CommandMetadata): Promise<Position | null> {
    return (await runCommand(this.store, policyDecider, policyStream(policyId), 'DeletePolicy', { policyId }, meta)).position;
  }

  async createConsumer(
    input: { description?: string | null; secretHash: string; extra: ConsumerExtra },
    meta: CommandMetadata,
  ): Promise<{ consumerId: string; position: Position | null }> {
    const consumerId = newEntityId('oauth-consumer', meta);
    const result = await runCommand(this.store, oauthConsumerDecider, oauthConsumerStream(consumerId), 'CreateOAuthConsumer', { consumerId, ...input }, meta);
    return { consumerId, position: result.position };
  }

  async updateConsumer(consumerId: string, patch: { description?: string | null; extra?: ConsumerExtra }, meta: CommandMetadata): Promise<Position | null> {
    return (await runCommand(this.store, oauthConsumerDecider, oauthConsumerStream(consumerId), 'UpdateOAuthConsumer', { consumerId, ...patch }, meta)).position;
  }

  async deleteConsumer(consumerId: string, meta: CommandMetadata): Promise<Position | null> {
    return (await runCommand(this.store, oauthConsumerDecider, oauthConsumerStream(consumerId), 'DeleteOAuthConsumer', { consumerId }, meta)).position;
  }

  async createEndpointGroup(
    input: { name: string; description?: string | null; filters: EndpointGroupFilters },
    meta: CommandMetadata,
  ): Promise<{ endpointGroupId: string; position: Position | null }> {
    const endpointGroupId = newEntityId('endpoint-group', meta);
    const result = await runCommand(this.store, endpointGroupDecider, endpointGroupStream(endpointGroupId), 'CreateEndpointGroup', { endpointGroupId, ...input }, meta);
    return { endpointGroupId, position: result.position };
  }

  async updateEndpointGroup(
    endpointGroupId: string,
    patch: { name?: string; description?: string | null; filters?: EndpointGroupFilters },
    meta: CommandMetadata,
  ): Promise<Position | null> {
    return (await runCommand(this.store, endpointGroupDecider, endpointGroupStream(endpointGroupId), 'UpdateEndpointGroup', { endpointGroupId, ...patch }, meta)).position;
  }

  async deleteEndpointGroup(endpointGroupId: string, meta: CommandMetadata): Promise<Position | null> {
    return (await runCommand(this.store, endpointGroupDecider, endpointGroupStream(endpointGroupId), 'DeleteEndpointGroup', { endpointGroupId }, meta)).position;
  }

  /** Splits a checked config into the options shown and the sensitive ones, sealed per option. */
  private split(domainId: string, config: Record<string, Record<string, unknown>>): { options: DomainConfigOptions; sensitive: SealedDomainConfigOptions } {
    const options: Record<string, Record<string, OptionValue>> = {};
    const sensitive: Record<string, Record<string, SealedBlob>> = {};
    for (const [group, values] of Object.entries(config)) {
      for (const [option, value] of Object.entries(values)) {
        if (isSensitiveOption(group, option)) (sensitive[group] ??= {})[option] = this.cipher.seal(JSON.stringify(value), domainConfigOwner(domainId, group, option));
        else (options[group] ??= {})[option] = value as OptionValue;
      }
    }
    return { options, sensitive };
  }

  async createDomainConfig(domainId: string, config: Record<string, Record<string, unknown>>, meta: CommandMetadata): Promise<Position | null> {
    return (await runCommand(this.store, domainConfigDecider, domainConfigStream(domainId), 'CreateDomainConfig', { domainId, ...this.split(domainId, config) }, meta)).position;
  }

  async updateDomainConfig(domainId: string, group: string | null, option: string | null, config: Record<string, Record<string, unknown>>, meta: CommandMetadata): Promise<Position | null> {
    return (await runCommand(this.store, domainConfigDecider, domainConfigStream(domainId), 'UpdateDomainConfig', { domainId, group, option, ...this.split(domainId, config) }, meta)).position;
  }

  async deleteDomainConfig(domainId: string, group: string | null, option: string | null, meta: CommandMetadata): Promise<Position | null> {
    return (await runCommand(this.store, domainConfigDecider, domainConfigStream(domainId), 'DeleteDomainConfig', { domainId, group, option }, meta)).position;
  }
}

/* Request bodies of the side APIs, checked as Keystone's jsonschema does and answered in its words (400). */

export type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `{"<key>": {...}}`: the entity inside its wrapper, or a 400 naming what is wrong. */
export function entityOf(body: unknown, key: string, opts: { minProperties?: number } = {}): JsonObject {
  if (!isObject(body) || !(key in body)) throw new KeystoneError(400, `'${key}' is a required property`);
  const entity = body[key];
  if (!isObject(entity)) throw new KeystoneError(400, `Invalid input for field '${key}': ${JSON.stringify(entity)} is not of type 'object'`);
  if (opts.minProperties && Object.keys(entity).length < opts.minProperties) throw new KeystoneError(400, `Invalid input for field '${key}': {} does not have enough properties`);
  return entity;
}

export function requireProperties(entity: JsonObject, names: string[]): void {
  for (const n of names) if (!(n in entity)) throw new KeystoneError(400, `'${n}' is a required property`);
}

/** A string field (or null when `nullable`), undefined when absent. */
export function stringField(entity: JsonObject, name: string, opts: { nullable?: boolean; maxLength?: number } = {}): string | null | undefined {
  const v = entity[name];
  if (v === undefined) return undefined;
  if (v === null && opts.nullable) return null;
  if (typeof v !== 'string') throw new KeystoneError(400, `Invalid input for field '${name}': ${JSON.stringify(v)} is not of type 'string'${opts.nullable ? ", 'null'" : ''}`);
  if (opts.maxLength !== undefined && v.length > opts.maxLength) throw new KeystoneError(400, `Invalid input for field '${name}': ${JSON.stringify(v)} is too long (maximum ${opts.maxLength})`);
  return v;
}

/** Keystone `_require_matching_id`: an `id` in an update body must be the resource's. */
export function requireMatchingId(entity: JsonObject, id: string): void {
  if ('id' in entity && entity.id !== id) throw new KeystoneError(400, 'Cannot change ID');
}

/** What Keystone keeps as `extra`: every attribute but the named ones (and `id`), as JSON. */
export function extraOf(entity: JsonObject, known: string[]): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const [k, v] of Object.entries(entity)) if (!known.includes(k) && k !== 'id' && k !== 'links') out[k] = v as OptionValue;
  return out;
}
