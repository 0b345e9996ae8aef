import { Module } from '@nestjs/common';
import { TokenGuard } from '../../../shared/src/auth';
import { AuthController } from './auth.controller';
import { CatalogController } from './catalog.controller';
import { AccessRulesController, ApplicationCredentialsController } from './application-credentials.controller';
import { DomainsController } from './domains.controller';
import { GrantsController } from './grants.controller';
import { GroupsController } from './groups.controller';
import { IdentityCascades } from './identity-cascades';
import { IdentityReads } from './identity-reads';
import { IdentityWrites } from './identity-writes';
import { ProjectsController } from './projects.controller';
import { RolesController } from './roles.controller';
import { TokenIssuer } from './token-issuer';
import { UserPasswordController, UsersController } from './users.controller';
import { IdentityVersionController } from './version.controller';
import { TrustReads } from './trust-reads';
import { TrustWrites } from './trust-writes';
import { TrustsController } from './trusts.controller';
import { CredentialsController, Ec2CredentialsController } from './credentials.controller';
import { DomainConfigController } from './domain-config.controller';
import { EndpointGroupsController } from './endpoint-groups.controller';
import { ExtensionReads } from './extension-reads';
import { credentialCipherProvider, ExtensionWrites } from './extension-writes';
import { OAuthConsumersController } from './oauth.controller';
import { PoliciesController } from './policies.controller';

const controllers = [IdentityVersionController, AuthController, DomainsController, ProjectsController, GroupsController, UsersController, UserPasswordController, ApplicationCredentialsController, AccessRulesController, RolesController, CatalogController, GrantsController];
const providers = [IdentityReads, IdentityWrites, IdentityCascades, TokenIssuer, TokenGuard];
// Keystone's side APIs: credentials (and OS-EC2), policies, OS-OAUTH1 consumers, OS-EP-FILTER endpoint groups, domain config.
const extensionControllers = [CredentialsController, Ec2CredentialsController, PoliciesController, OAuthConsumersController, EndpointGroupsController, DomainConfigController];
const extensionProviders = [ExtensionReads, ExtensionWrites, credentialCipherProvider];

/** Keystone v3 under /identity (DESIGN.md, API). */
@Module({ controllers: [...controllers, TrustsController, ...extensionControllers], providers: [...providers, TrustReads, TrustWrites, ...extensionProviders] })
export class IdentityModule {}
