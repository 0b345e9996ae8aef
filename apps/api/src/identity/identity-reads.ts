import type { ReadQueries } from '../../../../infra/audit/time-travel';
import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import { nameKey, RoleAssignment } from '../../../../domain/identity';
import { Position } from '../../../../domain/kernel';
import { TokenIndex } from '../../../../infra/identity/token-index';
import { ProjectionEngine } from '../../../../infra/projections';
import type { AccessRuleRow, ApplicationCredentialRow, GroupRow, DomainRow, EndpointRow, ProjectRow, RegionRow, RoleAssignmentRow, RoleRow, ServiceRow, UserRow } from '../../../../projections/identity';
import { IdentityBootstrapResult } from '../../../shared/src/identity-bootstrap';
import { DATABASE_URL, IDENTITY_BOOTSTRAP, PROJECTION_ENGINE, TOKEN_INDEX } from '../../../shared/src/runtime.tokens';

/** Read models an identity answer may read from (projections/identity). */
export type IdentityReadModel = 'identity_resources' | 'identity_users' | 'identity_assignments' | 'identity_catalog' | 'identity_application_credentials';

const WAIT_MS = 5_000;

export interface ProjectFilters {
  name?: string;
  domain_id?: string;
  enabled?: boolean;
  parent_id?: string;
  ids?: string[];
}

export interface UserFilters {
  name?: string;
  domain_id?: string;
  enabled?: boolean;
}

export interface AssignmentFilters {
  userId?: string;
  groupId?: string;
  roleId?: string;
  projectId?: string;
  domainId?: string;
  system?: boolean;
}

/** Builds `WHERE a = $1 AND b = $2` from the filters that are set. */
function where(conditions: [string, unknown][]): { sql: string; params: unknown[] } {
  const set = conditions.filter(([, v]) => v !== undefined);
  const params = set.map(([, v]) => v);
  return { sql: set.length ? `WHERE ${set.map(([c], i) => (c.includes('$') ? c.replace('$', `$${i + 1}`) : `${c} = $${i + 1}`)).join(' AND ')}` : '', params };
}

/**
 * Queries over the `rm.identity_*` views, after a read-your-writes wait on the position the
 * command returned (DESIGN.md, Read models). The pool is the API's own, small.
 */
@Injectable()
export class IdentityReads implements OnModuleDestroy {
  private readonly pool: Pool;

  constructor(
    @Inject(DATABASE_URL) databaseUrl: string,
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionEngine,
    @Inject(TOKEN_INDEX) private readonly tokens: TokenIndex,
    @Optional() @Inject(IDENTITY_BOOTSTRAP) private readonly bootstrap?: IdentityBootstrapResult,
  ) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 4 });
    this.pool.on('error', () => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }

  /** Waits until the named read models (and the token index, which authenticates the next request) have passed `position`. */
  async waitFor(position: Position | null, models: IdentityReadModel[]): Promise<void> {
    if (position === null) return;
    await Promise.all([this.engine.waiter().waitFor(position, models, WAIT_MS), this.tokens.waitFor(position, WAIT_MS)]);
  }

  /**
   * The same queries over other read models: those at a past instant (`as_of`). Every query here
   * goes through `this.pool.query`, so the copy answers from `source` instead.
   */
  over(source: ReadQueries): IdentityReads {
    const pool = { query: (sql: string, params?: unknown[]) => source.query(sql, params).then((rows) => ({ rows })) };
    return Object.create(this, { pool: { value: pool } }) as IdentityReads;
  }

  async projects(f: ProjectFilters): Promise<ProjectRow[]> {
    const w = where([
      ['name_key', f.name === undefined ? undefined : nameKey(f.name)],
      ['domain_id', f.domain_id],
      ['enabled', f.enabled],
      ['parent_id', f.parent_id],
      ['id = ANY ($::text[])', f.ids],
    ]);
    return (await this.pool.query<ProjectRow>(`SELECT * FROM rm.identity_projects ${w.sql} ORDER BY name, id`, w.params)).rows;
  }

  async project(id: string): Promise<ProjectRow | undefined> {
    return (await this.pool.query<ProjectRow>('SELECT * FROM rm.identity_projects WHERE id = $1', [id])).rows[0];
  }

  async domains(f: { name?: string; enabled?: boolean } = {}): Promise<DomainRow[]> {
    const w = where([
      ['name_key', f.name === undefined ? undefined : nameKey(f.name)],
      ['enabled', f.enabled],
    ]);
    return (await this.pool.query<DomainRow>(`SELECT * FROM rm.identity_domains ${w.sql} ORDER BY name, id`, w.params)).rows;
  }

  async domain(id: string): Promise<DomainRow | undefined> {
    return (await this.pool.query<DomainRow>('SELECT * FROM rm.identity_domains WHERE id = $1', [id])).rows[0];
  }

  async users(f: UserFilters): Promise<UserRow[]> {
    const w = where([
      ['name_key', f.name === undefined ? undefined : nameKey(f.name)],
      ['domain_id', f.domain_id],
      ['enabled', f.enabled],
    ]);
    return (await this.pool.query<UserRow>(`SELECT * FROM rm.identity_users ${w.sql} ORDER BY name, id`, w.params)).rows;
  }

  async user(id: string): Promise<UserRow | undefined> {
    return (await this.pool.query<UserRow>('SELECT * FROM rm.identity_users WHERE id = $1', [id])).rows[0];
  }

  async groups(f: { name?: string; domain_id?: string; memberId?: string } = {}): Promise<GroupRow[]> {
    const w = where([
      ['name_key', f.name === undefined ? undefined : nameKey(f.name)],
      ['domain_id', f.domain_id],
      ['id IN (SELECT group_id FROM rm.identity_group_members WHERE user_id = $)', f.memberId],
    ]);
    return (await this.pool.query<GroupRow>(`SELECT * FROM rm.identity_groups ${w.sql} ORDER BY name, id`, w.params)).rows;
  }

  async group(id: string): Promise<GroupRow | undefined> {
    return (await this.pool.query<GroupRow>('SELECT * FROM rm.identity_groups WHERE id = $1', [id])).rows[0];
  }

  async groupMembers(groupId: string): Promise<UserRow[]> {
    const sql = 'SELECT u.* FROM rm.identity_users u JOIN rm.identity_group_members m ON m.user_id = u.id WHERE m.group_id = $1 ORDER BY u.name, u.id';
    return (await this.pool.query<UserRow>(sql, [groupId])).rows;
  }

  /** `domainId` undefined: every role; null: only the global ones (Keystone's GET /v3/roles without `domain_id`). */
  async roles(name?: string, domainId?: string | null): Promise<RoleRow[]> {
    const w = where([
      ['name_key', name === undefined ? undefined : nameKey(name)],
      ['domain_id', domainId ?? undefined],
    ]);
    const sql = domainId === null ? (w.sql ? `${w.sql} AND domain_id IS NULL` : 'WHERE domain_id IS NULL') : w.sql;
    return (await this.pool.query<RoleRow>(`SELECT * FROM rm.identity_roles ${sql} ORDER BY name, id`, w.params)).rows;
  }

  /** The roles of one actor's grants on one target (GET .../users|groups/{id}/roles), direct or OS-INHERIT. */
  async grantedRoles(g: Omit<RoleAssignment, 'roleId'>): Promise<RoleRow[]> {
    const sql =
      'SELECT r.* FROM rm.identity_roles r JOIN rm.identity_role_assignments a ON a.role_id = r.id ' +
      'WHERE a.actor_type = $1 AND a.actor_id = $2 AND a.target_type = $3 AND a.target_id = $4 AND a.inherited = $5 ORDER BY r.name, r.id';
    return (await this.pool.query<RoleRow>(sql, [g.actorType, g.actorId, g.targetType, g.targetId, g.inherited])).rows;
  }

  async role(id: string): Promise<RoleRow | undefined> {
    return (await this.pool.query<RoleRow>('SELECT * FROM rm.identity_roles WHERE id = $1', [id])).rows[0];
  }

  async implications(): Promise<{ prior_role_id: string; implied_role_id: string }[]> {
    return (await this.pool.query('SELECT prior_role_id, implied_role_id FROM rm.identity_role_implications ORDER BY prior_role_id, implied_role_id')).rows;
  }

  async assignments(f: AssignmentFilters): Promise<RoleAssignmentRow[]> {
    const target: [string, unknown][] = f.projectId
      ? [["target_type = 'project' AND target_id", f.projectId]]
      : f.domainId
        ? [["target_type = 'domain' AND target_id", f.domainId]]
        : f.system
          ? [["target_type = 'system' AND target_id", 'all']]
          : [];
    const w = where([["actor_type = 'user' AND actor_id", f.userId], ["actor_type = 'group' AND actor_id", f.groupId], ['role_id', f.roleId], ...target]);
    return (await this.pool.query<RoleAssignmentRow>(`SELECT * FROM rm.identity_role_assignments ${w.sql} ORDER BY created_at, key`, w.params)).rows;
  }

  /** Every grant that names the entity, whatever its actor type or inheritance, as domain assignments. */
  async grantsOn(column: 'actor_id' | 'target_id' | 'role_id', id: string): Promise<RoleAssignment[]> {
    const rows = (await this.pool.query<RoleAssignmentRow>(`SELECT * FROM rm.identity_role_assignments WHERE ${column} = $1`, [id])).rows;
    return rows.map((r) => ({ actorType: r.actor_type, actorId: r.actor_id, targetType: r.target_type, targetId: r.target_id, roleId: r.role_id, inherited: r.inherited }));
  }

  async applicationCredentials(userId: string, name?: string): Promise<ApplicationCredentialRow[]> {
    const w = where([
      ['user_id', userId],
      ['name_key', name === undefined ? undefined : nameKey(name)],
    ]);
    return (await this.pool.query<ApplicationCredentialRow>(`SELECT * FROM rm.identity_application_credentials ${w.sql} ORDER BY name, id`, w.params)).rows;
  }

  /** Every user's application credentials on the project (the project delete cascade). */
  async applicationCredentialsOnProject(projectId: string): Promise<ApplicationCredentialRow[]> {
    return (await this.pool.query<ApplicationCredentialRow>('SELECT * FROM rm.identity_application_credentials WHERE project_id = $1 ORDER BY id', [projectId])).rows;
  }

  async applicationCredential(id: string): Promise<ApplicationCredentialRow | undefined> {
    return (await this.pool.query<ApplicationCredentialRow>('SELECT * FROM rm.identity_application_credentials WHERE id = $1', [id])).rows[0];
  }

  async accessRules(userId: string): Promise<AccessRuleRow[]> {
    return (await this.pool.query<AccessRuleRow>('SELECT * FROM rm.identity_access_rules WHERE user_id = $1 ORDER BY created_at, id', [userId])).rows;
  }

  /** The user's application credentials that reference the access rule. */
  async accessRuleUsers(userId: string, accessRuleId: string): Promise<string[]> {
    const rows = (await this.pool.query<{ id: string }>(`SELECT id FROM rm.identity_application_credentials WHERE user_id = $1 AND access_rules @> $2::jsonb`, [userId, JSON.stringify([{ id: accessRuleId }])])).rows;
    return rows.map((r) => r.id);
  }

  async regions(): Promise<RegionRow[]> {
    return (await this.pool.query<RegionRow>('SELECT * FROM rm.identity_regions ORDER BY id')).rows;
  }

  async services(f: { type?: string; name?: string } = {}): Promise<ServiceRow[]> {
    const w = where([
      ['type', f.type],
      ['name', f.name],
    ]);
    return (await this.pool.query<ServiceRow>(`SELECT * FROM rm.identity_services ${w.sql} ORDER BY type, id`, w.params)).rows;
  }

  async endpoints(f: { service_id?: string; interface?: string; region_id?: string } = {}): Promise<EndpointRow[]> {
    const w = where([
      ['service_id', f.service_id],
      ['interface', f.interface],
      ['region_id', f.region_id],
    ]);
    return (await this.pool.query<EndpointRow>(`SELECT * FROM rm.identity_endpoints ${w.sql} ORDER BY service_id, interface, id`, w.params)).rows;
  }

  /** The catalog read model once it holds what bootstrap wrote (the first token of a fresh install needs it). */
  async catalog(): Promise<{ services: ServiceRow[]; endpoints: EndpointRow[] }> {
    if (this.bootstrap?.position) await this.engine.waiter().waitFor(this.bootstrap.position, ['identity_catalog'], WAIT_MS);
    const [services, endpoints] = await Promise.all([this.services(), this.endpoints()]);
    return { services, endpoints };
  }
}
