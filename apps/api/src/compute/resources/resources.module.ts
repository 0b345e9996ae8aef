import { Module } from '@nestjs/common';
import { AggregatesController } from './aggregates.controller';
import { ComputeUsage } from './compute-usage';
import { FlavorLookup } from './flavor-lookup';
import { FlavorsController } from './flavors.controller';
import { HostsController } from './hosts.controller';
import { KeypairsController } from './keypairs.controller';
import { MigrationsController } from './migrations.controller';
import { QuotasController } from './quotas.controller';
import { ResourceReads } from './resource-reads';
import { ServerGroupLookup } from './server-group-lookup';
import { ServerGroupsController } from './server-groups.controller';
import { OsHostsController } from './os-hosts.controller';
import { UsageController } from './usage.controller';

const controllers = [FlavorsController, KeypairsController, HostsController, QuotasController, ServerGroupsController, AggregatesController, UsageController, OsHostsController, MigrationsController];
/** What the server API uses: quota checks, flavor and server-group resolution. */
const lookups = [ComputeUsage, FlavorLookup, ServerGroupLookup];

/** Flavors, keypairs, hypervisors, services, availability zones, limits, quotas, server groups, usage, aggregates, migrations. */
@Module({ controllers, providers: [ResourceReads, ...lookups], exports: [ResourceReads, ...lookups] })
export class ComputeResourcesModule {}
