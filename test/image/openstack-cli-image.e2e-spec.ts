import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openrc, openstackBinary, openstackCli } from '../e2e/support/openstack-cli';
import { freePort, killAll, spawnStrata, StrataProcess, tempDataDir, waitReady } from '../e2e/support/strata-process';

const OPENSTACK = openstackBinary();
if (!OPENSTACK) process.stdout.write('openstack-cli-image.e2e-spec: skipped: the `openstack` CLI is not installed (apt-get install -y python3-openstackclient, or scripts/provision.sh)\n');
const describeWithCli = OPENSTACK ? describe : describe.skip;

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

type ImageListRow = { ID: string; Name: string; Status: string };

describeWithCli('the real openstack CLI against the image API of strata start', () => {
  const { root, dataDir } = tempDataDir();
  const clusterDir = path.join(dataDir, 'pg');
  const files = path.join(root, 'files');
  let strata: StrataProcess | undefined;
  let adminEnv: Record<string, string>;
  let memberEnv: Record<string, string>;
  const { openstack, ok, json } = openstackCli(OPENSTACK!, root, () => adminEnv);
  const qcow2 = path.join(files, 'disk.qcow2');
  const raw = path.join(files, 'disk.raw');

  beforeAll(async () => {
    fs.mkdirSync(files, { recursive: true });
    execFileSync('qemu-img', ['create', '-f', 'qcow2', qcow2, '64M'], { stdio: 'ignore' });
    // Random bytes: a raw disk whose content no probe mistakes for another format.
    fs.writeFileSync(raw, Buffer.concat(Array.from({ length: 48 }, (_, i) => createHash('sha512').update(`block-${i}`).digest()).map((b) => Buffer.concat(Array(1024).fill(b)))));
    const port = await freePort();
    strata = spawnStrata(['start'], { STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port) });
    await waitReady(`http://127.0.0.1:${port}`, strata);
    adminEnv = openrc(path.join(dataDir, 'admin-openrc.sh'));
    ok(['project', 'create', 'team']);
    ok(['user', 'create', '--password', 'm-secret', 'member1']);
    ok(['role', 'add', '--project', 'team', '--user', 'member1', 'member']);
    memberEnv = { ...adminEnv, OS_USERNAME: 'member1', OS_PASSWORD: 'm-secret', OS_PROJECT_NAME: 'team' };
  });

  afterAll(async () => {
    await killAll(strata, clusterDir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('image create --file of a qcow2 made with qemu-img: active, with its virtual size, checksum and sha512', () => {
    json(['image', 'create', '--disk-format', 'qcow2', '--container-format', 'bare', '--file', qcow2, '--property', 'os_distro=cirros', '--tag', 'base', 'disk-q']);
    const shown = json(['image', 'show', 'disk-q']);
    const bytes = fs.readFileSync(qcow2);
    expect(shown).toMatchObject({
      name: 'disk-q',
      status: 'active',
      disk_format: 'qcow2',
      container_format: 'bare',
      size: bytes.length,
      virtual_size: 64 * 1024 * 1024,
      checksum: createHash('md5').update(bytes).digest('hex'),
      tags: ['base'],
      visibility: 'shared',
    });
    expect(shown.properties).toMatchObject({ os_distro: 'cirros', os_hash_algo: 'sha512', os_hash_value: createHash('sha512').update(bytes).digest('hex') });
  });

  it('image create --file of a raw disk; image save gives back the same bytes', () => {
    const created = json(['image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--file', raw, 'disk-r']);
    const out = path.join(files, 'saved.raw');
    ok(['image', 'save', '--file', out, created.id]);
    expect(sha256(out)).toBe(sha256(raw));
    expect(json(['image', 'show', created.id])).toMatchObject({ status: 'active', size: fs.statSync(raw).size, virtual_size: fs.statSync(raw).size });
  });

  it('a qcow2 file declared raw is refused with a message saying what to do, leaving no bytes behind', () => {
    const refused = openstack(['image', 'create', '--disk-format', 'raw', '--file', qcow2, 'lying-raw']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('does not match the data, which qemu-img reads as qcow2');
    expect(refused.stderr).toContain('400');
    // openstacksdk deletes the image it created when its upload fails.
    expect((json(['image', 'list']) as ImageListRow[]).map((r) => r.Name)).not.toContain('lying-raw');
    expect(fs.readdirSync(path.join(dataDir, 'images', 'tmp'))).toEqual([]);
  });

  it('image list with filters: name, tag, property, status, sort and limit', () => {
    const names = (rows: ImageListRow[]) => rows.map((r) => r.Name).sort();
    expect(names(json(['image', 'list']))).toEqual(['disk-q', 'disk-r']);
    expect(names(json(['image', 'list', '--name', 'disk-r']))).toEqual(['disk-r']);
    expect(names(json(['image', 'list', '--tag', 'base']))).toEqual(['disk-q']);
    expect(names(json(['image', 'list', '--property', 'os_distro=cirros']))).toEqual(['disk-q']);
    expect(names(json(['image', 'list', '--status', 'queued']))).toEqual([]);
    expect((json(['image', 'list', '--sort', 'name:desc']) as ImageListRow[]).map((r) => r.Name)).toEqual(['disk-r', 'disk-q']);
    expect(json(['image', 'list', '--limit', '1', '--sort', 'name:asc'])).toHaveLength(1);
    expect(names(json(['image', 'list', '--shared']))).toEqual(['disk-q', 'disk-r']);
    expect(names(json(['image', 'list', '--public']))).toEqual([]);
  });

  it('image set --property and unset --property, set --tag and unset --tag', () => {
    ok(['image', 'set', '--property', 'hw_disk_bus=virtio', '--property', 'os_version=0.6', 'disk-q']);
    expect(json(['image', 'show', 'disk-q']).properties).toMatchObject({ hw_disk_bus: 'virtio', os_version: '0.6', os_distro: 'cirros' });
    ok(['image', 'unset', '--property', 'os_version', 'disk-q']);
    expect(json(['image', 'show', 'disk-q']).properties).not.toHaveProperty('os_version');
    ok(['image', 'set', '--tag', 'gold', 'disk-q']);
    expect(json(['image', 'show', 'disk-q']).tags.sort()).toEqual(['base', 'gold']);
    ok(['image', 'unset', '--tag', 'base', 'disk-q']);
    expect(json(['image', 'show', 'disk-q']).tags).toEqual(['gold']);
    ok(['image', 'set', '--name', 'disk-q2', '--min-ram', '64', 'disk-q']);
    expect(json(['image', 'show', 'disk-q2'])).toMatchObject({ name: 'disk-q2', min_ram: 64 });
  });

  it('members: add project, the member sees it once it accepts, member list', () => {
    const team = json(['project', 'show', 'team']) as { id: string };
    const image = json(['image', 'show', 'disk-r']) as { id: string };
    const added = json(['image', 'add', 'project', 'disk-r', 'team']);
    expect(added).toMatchObject({ image_id: image.id, member_id: team.id, status: 'pending' });
    expect((json(['image', 'list'], memberEnv) as ImageListRow[]).map((r) => r.ID)).not.toContain(image.id);
    ok(['image', 'set', '--accept', image.id], memberEnv);
    expect((json(['image', 'list'], memberEnv) as ImageListRow[]).map((r) => r.ID)).toContain(image.id);
    expect(json(['image', 'member', 'list', 'disk-r'])).toEqual([expect.objectContaining({ 'Image ID': image.id, 'Member ID': team.id, Status: 'accepted' })]);
    const out = path.join(files, 'member-saved.raw');
    ok(['image', 'save', '--file', out, image.id], memberEnv);
    expect(sha256(out)).toBe(sha256(raw));
  });

  it('a member of another project may not change the image', () => {
    const image = json(['image', 'show', 'disk-r']) as { id: string };
    const refused = openstack(['image', 'set', '--property', 'x=y', image.id], memberEnv);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('403');
    expect(json(['image', 'show', 'disk-r']).properties).not.toHaveProperty('x');
  });

  it('set --deactivate and --activate: a deactivated image is refused to its member, served again after activate', () => {
    const image = json(['image', 'show', 'disk-r']) as { id: string };
    ok(['image', 'set', '--deactivate', 'disk-r']);
    expect(json(['image', 'show', 'disk-r']).status).toBe('deactivated');
    const refused = openstack(['image', 'save', '--file', path.join(files, 'nope'), image.id], memberEnv);
    expect(refused.status).toBe(1);
    // The SDK reports the 403 only as an invalid response.
    expect(refused.stderr).toContain('Unable to download image');
    ok(['image', 'set', '--activate', 'disk-r']);
    expect(json(['image', 'show', 'disk-r']).status).toBe('active');
  });

  it('a protected image cannot be deleted; image delete removes the others and their bytes', () => {
    ok(['image', 'set', '--protected', 'disk-q2']);
    const refused = openstack(['image', 'delete', 'disk-q2']);
    expect(refused.status).toBe(1);
    expect(json(['image', 'show', 'disk-q2']).status).toBe('active');
    ok(['image', 'set', '--unprotected', 'disk-q2']);
    ok(['image', 'delete', 'disk-q2', 'disk-r']);
    expect(json(['image', 'list'])).toEqual([]);
    const gone = openstack(['image', 'show', 'disk-r']);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain('No Image found for disk-r');
    const blobs = path.join(dataDir, 'images', 'blobs');
    const left = fs.existsSync(blobs) ? fs.readdirSync(blobs, { recursive: true }).filter((f) => /^[0-9a-f]{128}$/.test(path.basename(String(f)))) : [];
    expect(left).toEqual([]);
  });
});
