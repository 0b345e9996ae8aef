import { foldStrictly, IdentityScenario, rowsOf } from '../../test/projections/identity-scenario';
import { DOMAINS_TABLE, identityResourcesProjection as projection, PROJECTS_TABLE } from './resources';

function domainAndProject(s: IdentityScenario) {
  const domainCreated = s.add('DomainCreated', { domainId: 'd1', name: 'Engineering', description: 'R&D', enabled: true, options: {} });
  const projectCreated = s.add('ProjectCreated', {
    projectId: 'p1',
    domainId: 'd1',
    name: 'Web',
    description: 'front ends',
    enabled: true,
    parentId: 'd1',
    isDomain: false,
    tags: ['prod', 'Blue'],
    options: { immutable: false },
  });
  return { domainCreated, projectCreated };
}

describe('identity_resources projection', () => {
  it('names the one row an event is about', () => {
    const s = new IdentityScenario();
    domainAndProject(s);
    const [domain, project] = s.recorded();
    expect(projection.rowsFor(domain)).toEqual([{ table: DOMAINS_TABLE, key: 'd1' }]);
    expect(projection.rowsFor(project)).toEqual([{ table: PROJECTS_TABLE, key: 'p1' }]);
  });

  describe('domains', () => {
    it('records a created domain with its case-folded name key', () => {
      const s = new IdentityScenario();
      const at = s.add('DomainCreated', { domainId: 'd1', name: 'Engineering', description: 'R&D', enabled: true, options: { immutable: true } });
      const rows = foldStrictly(projection, s.recorded());
      expect(rowsOf(rows, DOMAINS_TABLE)).toEqual([
        { id: 'd1', name: 'Engineering', name_key: 'engineering', description: 'R&D', enabled: true, options: { immutable: true }, created_at: at, updated_at: at, stream_version: 0 },
      ]);
    });

    it('changes only the fields an update carries', () => {
      const s = new IdentityScenario();
      const { domainCreated } = domainAndProject(s);
      s.add('DomainUpdated', { domainId: 'd1', description: 'Research' });
      s.add('DomainUpdated', { domainId: 'd1', enabled: false });
      const renamed = s.add('DomainUpdated', { domainId: 'd1', name: 'Ingénierie Ltd', options: { immutable: true } });
      const rows = foldStrictly(projection, s.recorded());
      expect(rows.get(DOMAINS_TABLE, 'd1')).toEqual({
        id: 'd1',
        name: 'Ingénierie Ltd',
        name_key: 'ing%C3%A9nierie%20ltd',
        description: 'Research',
        enabled: false,
        options: { immutable: true },
        created_at: domainCreated,
        updated_at: renamed,
        stream_version: 3,
      });
    });

    it('removes a deleted domain', () => {
      const s = new IdentityScenario();
      domainAndProject(s);
      s.add('DomainUpdated', { domainId: 'd1', enabled: false });
      s.add('DomainDeleted', { domainId: 'd1', name: 'Engineering' });
      const rows = foldStrictly(projection, s.recorded());
      expect(rowsOf(rows, DOMAINS_TABLE)).toEqual([]);
      // Keystone deletes a domain's projects with it; DomainDeleted does not list them (see the report).
      expect(rows.get(PROJECTS_TABLE, 'p1')).toBeDefined();
    });
  });

  describe('projects', () => {
    it('records a created project with its parent, tags and options', () => {
      const s = new IdentityScenario();
      const { projectCreated } = domainAndProject(s);
      const rows = foldStrictly(projection, s.recorded());
      expect(rows.get(PROJECTS_TABLE, 'p1')).toEqual({
        id: 'p1',
        domain_id: 'd1',
        name: 'Web',
        name_key: 'web',
        description: 'front ends',
        enabled: true,
        parent_id: 'd1',
        is_domain: false,
        tags: ['prod', 'Blue'],
        options: { immutable: false },
        extra: {},
        created_at: projectCreated,
        updated_at: projectCreated,
        stream_version: 0,
      });
    });

    it('changes only the fields an update carries and re-keys a renamed project', () => {
      const s = new IdentityScenario();
      const { projectCreated } = domainAndProject(s);
      s.add('ProjectUpdated', { projectId: 'p1', description: 'web tier', extra: { cost_center: '42' } });
      const disabled = s.add('ProjectUpdated', { projectId: 'p1', name: 'WEB-Tier', enabled: false });
      const rows = foldStrictly(projection, s.recorded());
      expect(rows.get(PROJECTS_TABLE, 'p1')).toEqual({
        id: 'p1',
        domain_id: 'd1',
        name: 'WEB-Tier',
        name_key: 'web-tier',
        description: 'web tier',
        enabled: false,
        parent_id: 'd1',
        is_domain: false,
        tags: ['prod', 'Blue'],
        options: { immutable: false },
        extra: { cost_center: '42' },
        created_at: projectCreated,
        updated_at: disabled,
        stream_version: 2,
      });
    });

    it('adds, removes and replaces tags, keeping their case and order', () => {
      const s = new IdentityScenario();
      domainAndProject(s);
      s.add('ProjectTagAdded', { projectId: 'p1', tag: 'blue' });
      let rows = foldStrictly(projection, s.recorded());
      expect(rows.get(PROJECTS_TABLE, 'p1')!.tags).toEqual(['prod', 'Blue', 'blue']);

      s.add('ProjectTagRemoved', { projectId: 'p1', tag: 'prod' });
      rows = foldStrictly(projection, s.recorded());
      expect(rows.get(PROJECTS_TABLE, 'p1')!.tags).toEqual(['Blue', 'blue']);

      const replaced = s.add('ProjectTagsReplaced', { projectId: 'p1', tags: ['a', 'b'] });
      rows = foldStrictly(projection, s.recorded());
      expect(rows.get(PROJECTS_TABLE, 'p1')).toMatchObject({ tags: ['a', 'b'], updated_at: replaced, stream_version: 3 });

      s.add('ProjectTagsReplaced', { projectId: 'p1', tags: [] });
      rows = foldStrictly(projection, s.recorded());
      expect(rows.get(PROJECTS_TABLE, 'p1')!.tags).toEqual([]);
    });

    it('removes a deleted project and leaves its siblings', () => {
      const s = new IdentityScenario();
      domainAndProject(s);
      s.add('ProjectCreated', { projectId: 'p2', domainId: 'd1', name: 'Db', description: '', enabled: true, parentId: 'p1', isDomain: false, tags: [], options: {} });
      s.add('ProjectDeleted', { projectId: 'p1', domainId: 'd1', name: 'Web', parentId: 'd1' });
      const rows = foldStrictly(projection, s.recorded());
      expect(rowsOf(rows, PROJECTS_TABLE).map((r) => r.id)).toEqual(['p2']);
    });
  });

  it('ignores changes to rows it never saw', () => {
    const s = new IdentityScenario();
    s.add('DomainUpdated', { domainId: 'ghost', description: 'x' });
    s.add('ProjectTagAdded', { projectId: 'ghost', tag: 'x' });
    const rows = foldStrictly(projection, s.recorded());
    expect(rowsOf(rows, DOMAINS_TABLE)).toEqual([]);
    expect(rowsOf(rows, PROJECTS_TABLE)).toEqual([]);
  });

  it('applies each event of a stream once, even when the log is folded again', () => {
    const s = new IdentityScenario();
    domainAndProject(s);
    s.add('ProjectTagAdded', { projectId: 'p1', tag: 'x' });
    s.add('DomainUpdated', { domainId: 'd1', name: 'Eng' });
    const once = foldStrictly(projection, s.recorded());
    const snapshot = { domains: rowsOf(once, DOMAINS_TABLE), projects: rowsOf(once, PROJECTS_TABLE) };
    const twice = foldStrictly(projection, s.recorded(), once);
    expect({ domains: rowsOf(twice, DOMAINS_TABLE), projects: rowsOf(twice, PROJECTS_TABLE) }).toEqual(snapshot);
    expect(twice.get(PROJECTS_TABLE, 'p1')!.tags).toEqual(['prod', 'Blue', 'x']);
  });
});
