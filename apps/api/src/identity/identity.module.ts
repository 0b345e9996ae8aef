import { Module } from '@nestjs/common';
import { TokenGuard } from '../../../shared/src/auth';
import { AuthController } from './auth.controller';
import { CatalogController } from './catalog.controller';
import { ApplicationCredentialsController } from './application-credentials.controller';
import { DomainsController } from './domains.controller';
import { GroupsController } from './groups.controller';
import { IdentityReads } from './identity-reads';
import { IdentityWrites } from './identity-writes';
import { ProjectsController } from './projects.controller';
import { RolesController } from './roles.controller';
import { TokenIssuer } from './token-issuer';
import { UsersController } from './users.controller';
import { IdentityVersionController } from './version.controller';

const controllers = [IdentityVersionController, AuthController, DomainsController, ProjectsController, GroupsController, UsersController, ApplicationCredentialsController, RolesController, CatalogController];
const providers = [IdentityReads, IdentityWrites, TokenIssuer, TokenGuard];

/** Keystone v3 under /identity (DESIGN.md, API). */
@Module({ controllers, providers })
export class IdentityModule {}
