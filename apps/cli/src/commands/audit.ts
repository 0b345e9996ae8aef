import { Command, InvalidArgumentError } from 'commander';
import { Pool } from 'pg';
import { AsOf, describeAsOf, InvalidAsOf, parseAsOf, parseInstant } from '../../../../infra/audit/as-of';
import { AuditFilter, AuditRecord, markDepths, queryAudit } from '../../../../infra/audit/audit-query';
import { HistoryEntry, readHistory } from '../../../../infra/audit/history';
import { RESOURCE_TYPES, resourceType } from '../../../../infra/audit/resource-types';
import { ReadQueries, TimeTravel } from '../../../../infra/audit/time-travel';
import { PROCESS_IO, ProjectionCommandsConnection, ProjectionCommandsIo } from './projections';
import { formatTable } from './table';

/** The log and read models, as `strata projections` connects to them. */
export type AuditCommandsConnection = ProjectionCommandsConnection;
export type AuditCommandsIo = ProjectionCommandsIo;

/** What `strata at <time> <resource> list|show` reads: a table, the columns a list shows, and how to find it. */
interface AtResource {
  table: string;
  list: { sql: string; columns: [header: string, column: string][] };
  show: string;
}

const AT_RESOURCES: Record<string, AtResource> = {
  server: {
    table: 'compute_servers',
    list: {
      sql: 'SELECT * FROM rm.compute_servers WHERE NOT deleted ORDER BY created_at DESC, id',
      columns: [
        ['ID', 'id'],
        ['Name', 'name'],
        ['Status', 'status'],
        ['Project', 'project_id'],
        ['Host', 'host'],
        ['Flavor', 'flavor_id'],
        ['Image', 'image_id'],
      ],
    },
    show: 'SELECT * FROM rm.compute_servers WHERE id = $1 AND NOT deleted',
  },
  image: {
    table: 'image_images',
    list: {
      sql: "SELECT * FROM rm.image_images WHERE status <> 'deleted' ORDER BY name, id",
      columns: [
        ['ID', 'id'],
        ['Name', 'name'],
        ['Status', 'status'],
        ['Visibility', 'visibility'],
        ['Owner', 'owner'],
      ],
    },
    show: "SELECT * FROM rm.image_images WHERE id = $1 AND status <> 'deleted'",
  },
  project: {
    table: 'identity_projects',
    list: {
      sql: 'SELECT * FROM rm.identity_projects ORDER BY name, id',
      columns: [
        ['ID', 'id'],
        ['Name', 'name'],
        ['Domain', 'domain_id'],
        ['Enabled', 'enabled'],
      ],
    },
    show: 'SELECT * FROM rm.identity_projects WHERE id = $1',
  },
  user: {
    table: 'identity_users',
    list: {
      sql: 'SELECT * FROM rm.identity_users ORDER BY name, id',
      columns: [
        ['ID', 'id'],
        ['Name', 'name'],
        ['Domain', 'domain_id'],
        ['Enabled', 'enabled'],
      ],
    },
    show: 'SELECT * FROM rm.identity_users WHERE id = $1',
  },
};

function asOfArgument(value: string): AsOf {
  try {
    return parseAsOf(value);
  } catch (error) {
    if (error instanceof InvalidAsOf) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('a positive integer');
  return Number(value);
}

function timeArgument(value: string): Date {
  const at = parseInstant(value);
  if (at === null) throw new InvalidArgumentError('an RFC 3339 time (2026-01-01T12:00:00Z) or a date (2026-01-01)');
  return at;
}

const cell = (v: unknown): string => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v));

function actorText(a: { userId: string | null; projectId: string | null; roles: string[] }): string {
  if (a.userId === null) return a.roles.join(',') || 'system';
  return a.projectId ? `${a.userId}@${a.projectId}` : a.userId;
}

function historyTable(entries: HistoryEntry[]): string {
  return formatTable(
    ['VER', 'TIME', 'EVENT', 'ACTOR', 'REQUEST', 'CHANGES'],
    entries.map((e) => [String(e.version), e.occurredAt, e.type, actorText(e.actor), e.requestId ?? '', e.summary]),
  );
}

function auditTable(events: AuditRecord[]): string {
  return formatTable(
    ['TIME', 'EVENT', 'RESOURCE', 'ACTOR', 'REQUEST'],
    events.map((e) => [e.occurredAt, `${'  '.repeat(e.depth ?? 0)}${e.type}`, `${e.resource.type} ${e.resource.id}`, actorText(e.actor), e.requestId ?? '']),
  );
}

/**
 * The auditor's tools, run by an operator on a controller (they read the log and the read models
 * directly, as `strata projections` does): `strata history`, `strata audit`, `strata at`.
 */
export function registerAuditCommands(program: Command, connect: () => Promise<AuditCommandsConnection>, io: AuditCommandsIo = PROCESS_IO): void {
  const withConnection = async <T>(work: (c: AuditCommandsConnection) => Promise<T>): Promise<T> => {
    const c = await connect();
    try {
      return await work(c);
    } finally {
      await c.close();
    }
  };
  const withPool = <T>(work: (pool: Pool, c: AuditCommandsConnection) => Promise<T>): Promise<T> =>
    withConnection(async (c) => {
      const pool = new Pool({ connectionString: c.databaseUrl, max: 2 });
      pool.on('error', () => undefined);
      try {
        return await work(pool, c);
      } finally {
        await pool.end();
      }
    });
  const fail = (message: string) => {
    io.stderr.write(`strata: ${message}\n`);
    io.setExitCode(1);
  };

  program
    .command('history')
    .description(`every event of one resource, in order, with who, which request and what changed (types: ${RESOURCE_TYPES.map((t) => t.name).join(', ')})`)
    .argument('<type>', 'resource type, e.g. server')
    .argument('<id>', 'resource id (flavors by flavor id, hosts by name, keypairs as <user id>/<name>)')
    .option('--as-of <time|position>', 'the history up to an RFC 3339 time or a log position', asOfArgument)
    .option('--json', 'print JSON (every field, the changes in full)')
    .action(async (typeName: string, id: string, options: { asOf?: AsOf; json?: boolean }) => {
      const type = resourceType(typeName);
      if (!type) return fail(`unknown resource type ${typeName}; known: ${RESOURCE_TYPES.map((t) => t.name).join(', ')}`);
      const history = await withConnection((c) => readHistory(c.store, type, id, { asOf: options.asOf }));
      if (history.events.length === 0) return fail(`no history for ${type.name} ${id}${options.asOf ? ` at ${describeAsOf(options.asOf)}` : ''}`);
      io.stdout.write(options.json ? JSON.stringify(history, null, 2) + '\n' : historyTable(history.events));
    });

  program
    .command('audit')
    .description('the audit trail: events by actor, resource, type, time, request or correlation, in log order')
    .option('--user <id|name>', 'events of one user (the acting token)')
    .option('--project <id|name>', 'events of tokens scoped to one project')
    .option('--resource-type <type>', 'one kind of resource, e.g. server')
    .option('--resource <id>', 'one resource (with --resource-type)')
    .option('--type <EventType>', 'one event type, e.g. ServerDeleted')
    .option('--since <time>', 'from this RFC 3339 time or date (inclusive)', timeArgument)
    .option('--until <time>', 'up to this RFC 3339 time or date (inclusive)', timeArgument)
    .option('--request <req-id>', 'everything one API call caused, across services, in causal order (indented by depth)')
    .option('--correlation <id>', 'one correlation id')
    .option('--limit <n>', 'at most n events (default 100)', positiveInteger)
    .option('--all', 'every matching event')
    .option('--json', 'print JSON')
    .action(
      async (options: {
        user?: string;
        project?: string;
        resourceType?: string;
        resource?: string;
        type?: string;
        since?: Date;
        until?: Date;
        request?: string;
        correlation?: string;
        limit?: number;
        all?: boolean;
        json?: boolean;
      }) => {
        if (options.all && options.limit) return fail('give --limit or --all, not both');
        await withPool(async (pool) => {
          const userId = options.user && (await resolveName(pool, 'identity_users', 'user', options.user));
          const projectId = options.project && (await resolveName(pool, 'identity_projects', 'project', options.project));
          if (userId === null || projectId === null) return;
          const filter: AuditFilter = {
            userId: userId || undefined,
            projectId: projectId || undefined,
            resourceType: options.resourceType,
            resourceId: options.resource,
            eventType: options.type,
            since: options.since,
            until: options.until,
            causedByRequest: options.request,
            correlationId: options.correlation,
          };
          const wanted = options.all ? Infinity : (options.limit ?? 100);
          const events: AuditRecord[] = [];
          let marker: string | undefined;
          while (events.length < wanted) {
            const page = await queryAudit(pool, filter, { limit: Math.min(1000, wanted - events.length), marker });
            events.push(...page.events);
            if (page.next === null) break;
            marker = page.next;
          }
          // Depths again over all pages: a cause may sit on an earlier page.
          if (options.request !== undefined) markDepths(events, options.request);
          io.stdout.write(options.json ? JSON.stringify(events, null, 2) + '\n' : events.length ? auditTable(events) : 'no events match\n');
        });

        async function resolveName(pool: Pool, table: string, kind: string, value: string): Promise<string | null> {
          const { rows } = await pool.query<{ id: string; domain_id: string }>(`SELECT id, domain_id FROM rm.${table} WHERE id = $1 OR name = $1`, [value]);
          if (rows.length === 1) return rows[0].id;
          if (rows.length === 0) {
            // A deleted user or project is no longer in the read model, but its events are: take the id as given.
            return value;
          }
          fail(`${rows.length} ${kind}s are named ${value} (${rows.map((r) => `${r.id} in domain ${r.domain_id}`).join(', ')}): give the id`);
          return null;
        }
      },
    );

  program
    .command('at')
    .description('read models as they were at an RFC 3339 time or a log position, folded apart from the live ones')
    .argument('<time|position>', 'e.g. 2026-01-01T12:00:00Z', asOfArgument)
    .argument('<resource>', Object.keys(AT_RESOURCES).join(' | '))
    .argument('<verb>', 'list | show')
    .argument('[id]', 'for show')
    .option('--json', 'print JSON rows')
    .action(async (asOf: AsOf, name: string, verb: string, id: string | undefined, options: { json?: boolean }) => {
      const resource = AT_RESOURCES[name];
      if (!resource) return fail(`strata at: unknown resource ${name}; known: ${Object.keys(AT_RESOURCES).join(', ')}`);
      if (verb === 'list') {
        if (id !== undefined) return fail('strata at ... list takes no id');
        const rows = await withConnection((c) => foldedAt(c, asOf, [resource.table], (rm) => rm.query<Record<string, unknown>>(resource.list.sql)));
        if (options.json) return void io.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return void io.stdout.write(formatTable(resource.list.columns.map(([h]) => h), rows.map((r) => resource.list.columns.map(([, c]) => cell(r[c])))));
      }
      if (verb !== 'show') return fail(`strata at: unknown verb ${verb}; use list or show`);
      if (id === undefined) return fail(`strata at ... ${name} show needs an id`);
      const rows = await withConnection((c) => foldedAt(c, asOf, [resource.table], (rm) => rm.query<Record<string, unknown>>(resource.show, [id])));
      if (rows.length === 0) return fail(`no ${name} ${id} at ${describeAsOf(asOf)}`);
      if (options.json) return void io.stdout.write(JSON.stringify(rows[0], null, 2) + '\n');
      io.stdout.write(formatTable(['Field', 'Value'], Object.entries(rows[0]).map(([k, v]) => [k, cell(v)])));
    });
}

/** Read models at `asOf` for one command: the TimeTravel's pool closes with it. */
async function foldedAt<T>(c: AuditCommandsConnection, asOf: AsOf, tables: string[], work: (rm: ReadQueries) => Promise<T>): Promise<T> {
  const travel = new TimeTravel(c.store, c.databaseUrl, c.projections);
  try {
    return await travel.at(asOf, tables, work);
  } finally {
    await travel.close();
  }
}
