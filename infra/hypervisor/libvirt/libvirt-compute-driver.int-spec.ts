import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { computeDriverContract, instanceFactory } from '../../../test/contracts/compute-driver.contract';
import { DriverOperationFailed, FlavorSpec, InstanceInvalidPowerState, InstanceNotFound, InstanceSpec, POWER_STATE, powerStateName } from '../compute-driver';
import { runCommand } from './commands';
import { buildDomainXml } from './domain-xml';
import { ImageBytes, ImageChecksum, ImageSource } from './image-source';
import { LibvirtComputeDriver, LibvirtComputeDriverOptions } from './libvirt-compute-driver';

const run = promisify(execFile);
// The libvirtd that scripts/provision.sh `start_libvirt` starts.
const uri = 'qemu:///system';
const TEST_ROOT = '/var/lib/strata-test';
const GIB = 1024 ** 3;

const virsh = (...args: string[]): Promise<string> => runCommand('virsh', ['-c', uri, ...args], { timeoutMs: 60_000 });
const domainUuids = async (): Promise<string[]> => (await virsh('list', '--all', '--uuid')).split('\n').map((l) => l.trim()).filter(Boolean);
const qemuImgInfo = async (path: string): Promise<Record<string, unknown>> =>
  JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', path])).stdout) as Record<string, unknown>;
/** Runs qemu-io commands on a qcow2 image; rejects when one fails, a `read -P` whose pattern does not match included. */
const qemuIo = (path: string, ...commands: string[]) => run('qemu-io', ['-f', 'qcow2', ...commands.flatMap((c) => ['-c', c]), path]);
const sha512Of = async (path: string) => createHash('sha512').update(await readFile(path)).digest('hex');
const dominfo = async (uuid: string): Promise<Record<string, string>> =>
  Object.fromEntries(
    (await virsh('dominfo', uuid))
      .split('\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]),
  );
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Polls `check` until it returns something truthy, failing with `what` after `timeoutMs`. */
async function waitFor<T>(what: string, check: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Points the image's first L2 table at an unaligned offset: qemu opens the image, then fails reading it ("Image is corrupt"). */
async function corruptFirstL2Table(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const header = Buffer.alloc(48);
    await file.read(header, 0, header.length, 0);
    const l1TableOffset = Number(header.readBigUInt64BE(40));
    const entry = Buffer.alloc(8);
    await file.read(entry, 0, entry.length, l1TableOffset);
    entry.writeBigUInt64BE(entry.readBigUInt64BE(0) | 0x200n);
    await file.write(entry, 0, entry.length, l1TableOffset);
  } finally {
    await file.close();
  }
}

/** Destroys and undefines every domain whose definition mentions `path`, so that no test leaves a guest behind, even failing. */
async function sweepDomainsUnder(path: string): Promise<void> {
  for (const uuid of await domainUuids()) {
    const xml = await virsh('dumpxml', uuid).catch(() => '');
    if (!xml.includes(path)) continue;
    await virsh('destroy', uuid).catch(() => undefined);
    await virsh('undefine', uuid, '--managed-save', '--nvram').catch(() => undefined);
  }
}

/** Serves one file as an image and counts the downloads, as Glance behind the blob store would. */
class FileImageSource implements ImageSource {
  fetches = 0;
  constructor(
    private readonly file: string,
    private readonly checksum: ImageChecksum | undefined,
    private readonly diskFormat: string | null = 'qcow2',
  ) {}

  async fetch(): Promise<ImageBytes> {
    this.fetches += 1;
    return { stream: createReadStream(this.file), checksum: this.checksum, diskFormat: this.diskFormat };
  }
}

const flavor: FlavorSpec = { id: 'f-tiny', name: 't1.tiny', vcpus: 1, memoryMb: 64, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const runId = randomUUID();
const image: InstanceSpec['image'] = { id: `empty-disk-${runId.slice(0, 8)}`, properties: {}, diskFormat: 'qcow2' };

let workDir: string;
let emptyDisk: string;
let emptyDiskSha512: string;
/** A base image with bytes of its own (0x5a at 1 MiB), for snapshots that must carry the base along. */
let patternedDisk: string;

beforeAll(async () => {
  await mkdir(TEST_ROOT, { recursive: true });
  workDir = await mkdtemp(join(TEST_ROOT, 'libvirt-spec-'));
  // QEMU runs as libvirt-qemu: it must reach the image the crash-recovery case backs an overlay with.
  await chmod(workDir, 0o755);
  emptyDisk = join(workDir, 'empty.qcow2');
  // An empty disk: SeaBIOS finds nothing to boot and says so on the serial console.
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', emptyDisk, '64M']);
  emptyDiskSha512 = createHash('sha512').update(await readFile(emptyDisk)).digest('hex');
  patternedDisk = join(workDir, 'patterned.qcow2');
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', patternedDisk, '64M']);
  await qemuIo(patternedDisk, 'write -P 0x5a 1M 64k');
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

interface Fixture {
  driver: LibvirtComputeDriver;
  images: FileImageSource;
  instancesPath: string;
  cleanup(): Promise<void>;
}

async function makeFixture(options: Partial<LibvirtComputeDriverOptions> & { images?: FileImageSource } = {}): Promise<Fixture> {
  const instancesPath = await mkdtemp(join(TEST_ROOT, 'instances-'));
  const images = options.images ?? new FileImageSource(emptyDisk, { algo: 'sha512', value: emptyDiskSha512 });
  const driver = new LibvirtComputeDriver({
    hostname: 'libvirt-int-spec',
    instancesPath,
    imageSource: images,
    uri,
    // TCG, as the brief runs guests: a machine may have a /dev/kvm that cannot run them (nested).
    domainType: 'qemu',
    softRebootTimeoutSec: 1,
    cleanShutdownTimeoutSec: 0,
    pollIntervalMs: 100,
    ...options,
  });
  return {
    driver,
    images,
    instancesPath,
    cleanup: async () => {
      await sweepDomainsUnder(instancesPath);
      await rm(instancesPath, { recursive: true, force: true });
    },
  };
}

computeDriverContract('libvirt', makeFixture, instanceFactory({ scope: `libvirt-int-spec/${runId}`, flavor, image }));

describe(`LibvirtComputeDriver on ${uri}`, () => {
  const makeInstance = instanceFactory({ scope: `libvirt-int-spec/specific/${runId}`, flavor, image });
  let fixture: Fixture;
  let driver: LibvirtComputeDriver;
  const fixtures: Fixture[] = [];
  const withFixture = async (options: Parameters<typeof makeFixture>[0] = {}) => {
    const made = await makeFixture(options);
    fixtures.push(made);
    return made;
  };

  beforeEach(async () => {
    fixture = await withFixture();
    driver = fixture.driver;
  });
  afterEach(async () => {
    for (const made of fixtures.splice(0)) await made.cleanup();
  });

  const instanceDir = (spec: InstanceSpec, f: Fixture = fixture) => join(f.instancesPath, spec.instanceId);
  const stateOf = async (instanceId: string) => powerStateName((await driver.getInfo({ instanceId })).state);
  const bootFailureShown = (instanceId: string) => async () => (await driver.getConsoleOutput({ instanceId })).includes('No bootable device');

  it('the serial console log shows SeaBIOS finding no bootable device on the empty disk', async () => {
    const spec = makeInstance();
    await driver.spawn({ instance: spec });
    await waitFor('"No bootable device" on the console', bootFailureShown(spec.instanceId));
    expect(await driver.getConsoleOutput({ instanceId: spec.instanceId })).toContain('SeaBIOS');
  });

  it('defines the domain with the instance id as uuid, the instance name, and Strata metadata', async () => {
    const spec = makeInstance({ displayName: 'web <1> & "friends"' });
    await driver.spawn({ instance: spec });
    const xml = await virsh('dumpxml', spec.instanceId);
    expect(xml).toContain(`<uuid>${spec.instanceId}</uuid>`);
    expect(xml).toContain(`<name>${spec.name}</name>`);
    expect(await virsh('metadata', spec.instanceId, '--uri', 'https://strata.dev/xmlns/libvirt/instance/1.0')).toContain(
      '<name>web &lt;1&gt; &amp; "friends"</name>',
    );
    expect((await dominfo(spec.instanceId))['Max memory']).toBe(`${64 * 1024} KiB`);
  });

  it('the root disk is a qcow2 overlay of the flavor root size on the cached base image', async () => {
    const spec = makeInstance();
    await driver.spawn({ instance: spec });
    const disk = join(instanceDir(spec), 'disk');
    expect(await virsh('domblklist', spec.instanceId)).toContain(disk);
    const info = await qemuImgInfo(disk);
    expect(info).toMatchObject({
      format: 'qcow2',
      'virtual-size': flavor.rootGb * GIB,
      'backing-filename': join(fixture.instancesPath, '_base', `${image.id}.qcow2`),
      'backing-filename-format': 'qcow2',
    });
  });

  it('downloads an image once for several spawns, also when they run at the same time', async () => {
    await Promise.all([driver.spawn({ instance: makeInstance() }), driver.spawn({ instance: makeInstance() })]);
    await driver.spawn({ instance: makeInstance() });
    expect(fixture.images.fetches).toBe(1);
    expect(await readdir(join(fixture.instancesPath, '_base'))).toEqual([`${image.id}.qcow2`]);
  });

  it('a wrong checksum fails the spawn with DriverOperationFailed and leaves no domain, no instance folder, no cached image', async () => {
    const bad = await withFixture({ images: new FileImageSource(emptyDisk, { algo: 'sha512', value: '0'.repeat(128) }) });
    const spec = makeInstance();
    const error = await bad.driver.spawn({ instance: spec }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverOperationFailed);
    expect(error).toMatchObject({ operation: 'spawn', instanceId: spec.instanceId });
    expect((error as Error).message).toContain(`failed sha512 checksum verification: expected ${'0'.repeat(128)}, got ${emptyDiskSha512}`);
    expect(await domainUuids()).not.toContain(spec.instanceId);
    expect(await exists(instanceDir(spec, bad))).toBe(false);
    expect(await readdir(join(bad.instancesPath, '_base'))).toEqual([]);
  });

  it('an image whose bytes are not its disk_format is refused and leaves nothing', async () => {
    const lying = await withFixture({ images: new FileImageSource(emptyDisk, undefined, 'raw') });
    const spec = makeInstance();
    await expect(lying.driver.spawn({ instance: spec })).rejects.toThrow('has disk_format raw but its bytes are a qcow2 image');
    expect(await domainUuids()).not.toContain(spec.instanceId);
    expect(await readdir(join(lying.instancesPath, '_base'))).toEqual([]);
  });

  it('converts an image that is neither qcow2 nor raw into a qcow2 base', async () => {
    const vdi = join(workDir, 'empty.vdi');
    await run('qemu-img', ['convert', '-q', '-f', 'qcow2', '-O', 'vdi', emptyDisk, vdi]);
    const converting = await withFixture({ images: new FileImageSource(vdi, undefined, 'vdi') });
    const spec = makeInstance();
    await converting.driver.spawn({ instance: spec });
    const base = join(converting.instancesPath, '_base', `${image.id}.qcow2`);
    expect(await qemuImgInfo(base)).toMatchObject({ format: 'qcow2', 'virtual-size': 64 * 1024 * 1024 });
    expect((await converting.driver.getInfo({ instanceId: spec.instanceId })).state).toBe(POWER_STATE.RUNNING);
  });

  it('a spawn redelivered after a crash between overlay and define ends with one running domain and one overlay', async () => {
    const spec = makeInstance();
    const dir = instanceDir(spec);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'disk'), 'half-made overlay');
    await writeFile(join(dir, '.disk.part'), 'half-made overlay');
    await driver.spawn({ instance: spec });
    expect(await stateOf(spec.instanceId)).toBe('running');
    expect((await domainUuids()).filter((u) => u === spec.instanceId)).toHaveLength(1);
    expect((await readdir(dir)).sort()).toEqual(['console.log', 'disk', 'libvirt.xml', 'spawned']);
    expect(await qemuImgInfo(join(dir, 'disk'))).toMatchObject({ format: 'qcow2', 'backing-filename': join(fixture.instancesPath, '_base', `${image.id}.qcow2`) });
  });

  it('a spawn redelivered after a crash between define and start boots the defined domain, without a second domain or overlay', async () => {
    const spec = makeInstance();
    const dir = instanceDir(spec);
    await mkdir(dir, { recursive: true });
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', emptyDisk, '-F', 'qcow2', join(dir, 'disk'), `${flavor.rootGb}G`]);
    const xml = buildDomainXml({ instance: spec, domainType: driver.domainType, diskPath: join(dir, 'disk'), diskFormat: 'qcow2', consoleLogPath: join(dir, 'console.log') });
    await writeFile(join(dir, 'libvirt.xml'), xml);
    await virsh('define', join(dir, 'libvirt.xml'));
    const overlay = await stat(join(dir, 'disk'));

    await driver.spawn({ instance: spec });
    expect(await stateOf(spec.instanceId)).toBe('running');
    expect((await domainUuids()).filter((u) => u === spec.instanceId)).toHaveLength(1);
    expect((await stat(join(dir, 'disk'))).ino).toBe(overlay.ino);
    expect((await readdir(dir)).filter((f) => f.includes('disk'))).toEqual(['disk']);
    // Finished once, the spawn no longer boots a guest the user stopped.
    await driver.powerOff({ instanceId: spec.instanceId });
    await driver.spawn({ instance: spec });
    expect(await stateOf(spec.instanceId)).toBe('shutdown');
  });

  it('a spawn whose domain name another guest holds fails with libvirt\'s words, leaves nothing, and leaves the other guest running', async () => {
    const first = makeInstance();
    await driver.spawn({ instance: first });
    const clash = makeInstance({ name: first.name });
    const error = await driver.spawn({ instance: clash }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverOperationFailed);
    expect((error as DriverOperationFailed).reason).toContain(`domain '${first.name}' already exists with uuid ${first.instanceId}`);
    expect(await domainUuids()).not.toContain(clash.instanceId);
    expect(await exists(instanceDir(clash))).toBe(false);
    expect(await stateOf(first.instanceId)).toBe('running');
  });

  it('destroy leaves no domain in libvirt and no file of the instance', async () => {
    const spec = makeInstance();
    await driver.spawn({ instance: spec });
    await driver.suspend({ instanceId: spec.instanceId });
    await driver.destroy({ instanceId: spec.instanceId });
    expect(await domainUuids()).not.toContain(spec.instanceId);
    expect(await exists(instanceDir(spec))).toBe(false);
    await expect(virsh('dominfo', spec.instanceId)).rejects.toThrow(/failed to get domain/);
  });

  it('resize shows the new memory and vCPUs in virsh dominfo, grows the disk, and keeps the old disk until confirmed', async () => {
    const spec = makeInstance();
    await driver.spawn({ instance: spec });
    const bigger = { ...spec, flavor: { ...flavor, id: 'f-small', vcpus: 2, memoryMb: 128, rootGb: 2 } };
    await driver.resize({ instance: bigger });
    expect(await dominfo(spec.instanceId)).toMatchObject({ State: 'running', 'CPU(s)': '2', 'Max memory': `${128 * 1024} KiB` });
    expect(await qemuImgInfo(join(instanceDir(spec), 'disk'))).toMatchObject({ 'virtual-size': 2 * GIB });
    expect(await qemuImgInfo(join(instanceDir(spec), 'disk.resize-old'))).toMatchObject({ 'virtual-size': 1 * GIB });
    await driver.confirmResize({ instanceId: spec.instanceId });
    expect(await exists(join(instanceDir(spec), 'disk.resize-old'))).toBe(false);
    expect((await driver.getAvailableResource()).runningVms).toBeGreaterThan(0);
  });

  it('revertResize brings back the old disk and flavor', async () => {
    const spec = makeInstance();
    await driver.spawn({ instance: spec });
    await driver.resize({ instance: { ...spec, flavor: { ...flavor, id: 'f-small', memoryMb: 128, rootGb: 2 } } });
    await driver.revertResize({ instance: spec });
    expect(await dominfo(spec.instanceId)).toMatchObject({ State: 'running', 'Max memory': `${64 * 1024} KiB` });
    expect(await qemuImgInfo(join(instanceDir(spec), 'disk'))).toMatchObject({ 'virtual-size': 1 * GIB });
    expect(await exists(join(instanceDir(spec), 'disk.resize-old'))).toBe(false);
  });

  it('a soft reboot of a guest that ignores ACPI falls back to a hard one after the timeout', async () => {
    const slow = await withFixture({ softRebootTimeoutSec: 2 });
    const spec = makeInstance();
    await slow.driver.spawn({ instance: spec });
    await waitFor('the first boot on the console', async () => (await slow.driver.getConsoleOutput({ instanceId: spec.instanceId })).includes('No bootable device'));
    const before = await dominfo(spec.instanceId);
    const started = Date.now();
    await slow.driver.reboot({ instanceId: spec.instanceId, type: 'SOFT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    const after = await dominfo(spec.instanceId);
    expect(after.State).toBe('running');
    // A new QEMU process (hard reboot) gets a new domain id.
    expect(after.Id).not.toBe(before.Id);
    await waitFor('a second SeaBIOS banner', async () => ((await slow.driver.getConsoleOutput({ instanceId: spec.instanceId })).match(/SeaBIOS/g) ?? []).length >= 2);
  });

  it('rebuild boots a new overlay on the new image, same flavor', async () => {
    const spec = makeInstance();
    await driver.spawn({ instance: spec });
    const other = { ...image, id: `${image.id}-v2` };
    await driver.rebuild({ instance: { ...spec, image: other, flavor: { ...flavor, id: 'ignored', vcpus: 2 } } });
    expect(await qemuImgInfo(join(instanceDir(spec), 'disk'))).toMatchObject({ 'backing-filename': join(fixture.instancesPath, '_base', `${other.id}.qcow2`) });
    expect(await dominfo(spec.instanceId)).toMatchObject({ State: 'running', 'CPU(s)': '1' });
    expect(fixture.images.fetches).toBe(2);
  });

  it('a guest stopped behind the driver\'s back (virsh destroy) shows SHUTDOWN, and powerOn brings it back', async () => {
    const spec = makeInstance();
    await driver.spawn({ instance: spec });
    await virsh('destroy', spec.instanceId);
    expect(await stateOf(spec.instanceId)).toBe('shutdown');
    await driver.powerOn({ instanceId: spec.instanceId });
    expect(await stateOf(spec.instanceId)).toBe('running');
  });

  it('suspend leaves a managed save image: the domain is shut off in libvirt and SUSPENDED for the driver', async () => {
    const spec = makeInstance();
    await driver.spawn({ instance: spec });
    await driver.suspend({ instanceId: spec.instanceId });
    expect(await dominfo(spec.instanceId)).toMatchObject({ State: 'shut off', 'Managed save': 'yes' });
    expect(await stateOf(spec.instanceId)).toBe('suspended');
  });

  it('powerOff of a paused guest ends SHUTDOWN at once: a paused guest cannot answer an ACPI shutdown', async () => {
    const spec = makeInstance();
    await driver.spawn({ instance: spec });
    await driver.pause({ instanceId: spec.instanceId });
    const started = Date.now();
    await driver.powerOff({ instanceId: spec.instanceId, timeoutSec: 30 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await dominfo(spec.instanceId)).toMatchObject({ State: 'shut off', 'Managed save': 'no' });
    expect(await stateOf(spec.instanceId)).toBe('shutdown');
  });

  it('powerOff of a suspended guest ends SHUTDOWN without its managed save image: the next start boots afresh', async () => {
    const spec = makeInstance();
    await driver.spawn({ instance: spec });
    await waitFor('the first boot on the console', bootFailureShown(spec.instanceId));
    await driver.suspend({ instanceId: spec.instanceId });
    await driver.powerOff({ instanceId: spec.instanceId, timeoutSec: 30 });
    expect(await dominfo(spec.instanceId)).toMatchObject({ State: 'shut off', 'Managed save': 'no' });
    expect(await stateOf(spec.instanceId)).toBe('shutdown');
    // A restore from a managed save image resumes the guest where it was; only a fresh boot shows SeaBIOS again.
    await virsh('start', spec.instanceId);
    await waitFor('a second SeaBIOS banner', async () => ((await driver.getConsoleOutput({ instanceId: spec.instanceId })).match(/SeaBIOS/g) ?? []).length >= 2);
  });

  describe('snapshot', () => {
    const filesOf = async (dir: string) => (await readdir(dir)).sort();
    /** Spawns a guest on `host` from the patterned base, "writes" 0xa5 at 2 MiB as the guest would, powers it off, snapshots it and saves the bytes. */
    const shelvedCopy = async (host: Fixture) => {
      const spec = makeInstance({ image: { ...image, id: `patterned-${runId.slice(0, 8)}` } });
      await host.driver.spawn({ instance: spec });
      await host.driver.powerOff({ instanceId: spec.instanceId });
      const dir = instanceDir(spec, host);
      await qemuIo(join(dir, 'disk'), 'write -P 0xa5 2M 64k');
      const filesBefore = await filesOf(dir);
      const copy = await host.driver.snapshot({ instanceId: spec.instanceId });
      const saved = join(workDir, `${spec.instanceId}.snapshot`);
      await pipeline(copy.stream, createWriteStream(saved));
      return { spec, dir, filesBefore, copy, saved };
    };
    const patternedHost = () => withFixture({ images: new FileImageSource(patternedDisk, undefined) });

    it("of a stopped guest is a qcow2 without backing file, of the overlay's virtual size, holding what base and guest wrote", async () => {
      const host = await patternedHost();
      const { spec, dir, copy, saved } = await shelvedCopy(host);
      const overlay = await qemuImgInfo(join(dir, 'disk'));
      const info = await qemuImgInfo(saved);
      expect(info).toMatchObject({ format: 'qcow2', 'virtual-size': overlay['virtual-size'] });
      expect(info).not.toHaveProperty('backing-filename');
      expect(copy).toMatchObject({ diskFormat: 'qcow2', virtualSize: flavor.rootGb * GIB });
      await qemuIo(saved, 'read -P 0x5a 1M 64k', 'read -P 0xa5 2M 64k');
      // The guest is left as it was: stopped, on its overlay.
      expect((await host.driver.getInfo({ instanceId: spec.instanceId })).state).toBe(POWER_STATE.SHUTDOWN);
      expect(overlay).toMatchObject({ 'backing-filename': join(host.instancesPath, '_base', `${spec.image.id}.qcow2`) });
    });

    it('the copy is gone from the host once its stream has been read', async () => {
      const { dir, filesBefore } = await shelvedCopy(await patternedHost());
      await waitFor('the instance folder as it was before the snapshot', async () => JSON.stringify(await filesOf(dir)) === JSON.stringify(filesBefore), 5000);
    });

    it('the copy is gone from the host once its stream is destroyed unread', async () => {
      const spec = makeInstance();
      await driver.spawn({ instance: spec, powerOn: false });
      const dir = instanceDir(spec);
      const filesBefore = await filesOf(dir);
      const copy = await driver.snapshot({ instanceId: spec.instanceId });
      expect(await filesOf(dir)).toHaveLength(filesBefore.length + 1);
      copy.stream.destroy();
      await waitFor('the instance folder as it was before the snapshot', async () => JSON.stringify(await filesOf(dir)) === JSON.stringify(filesBefore), 5000);
    });

    it("a new guest spawned from the snapshot's bytes on another host reaches RUNNING with the disk the first one had", async () => {
      const { saved, copy } = await shelvedCopy(await patternedHost());
      const otherHost = await withFixture({ images: new FileImageSource(saved, { algo: 'sha512', value: await sha512Of(saved) }, copy.diskFormat) });
      const shelvedImage = { id: randomUUID(), properties: {}, diskFormat: copy.diskFormat };
      const unshelved = makeInstance({ image: shelvedImage });
      await otherHost.driver.spawn({ instance: unshelved });
      expect((await otherHost.driver.getInfo({ instanceId: unshelved.instanceId })).state).toBe(POWER_STATE.RUNNING);
      const disk = join(instanceDir(unshelved, otherHost), 'disk');
      expect(await qemuImgInfo(disk)).toMatchObject({ 'backing-filename': join(otherHost.instancesPath, '_base', `${shelvedImage.id}.qcow2`) });
      await run('qemu-io', ['-r', '-U', '-f', 'qcow2', '-c', 'read -P 0x5a 1M 64k', '-c', 'read -P 0xa5 2M 64k', disk]);
    });

    it('of a running guest rejects with InstanceInvalidPowerState, leaves it running and no copy behind', async () => {
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      const filesBefore = await filesOf(instanceDir(spec));
      const error = await driver.snapshot({ instanceId: spec.instanceId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InstanceInvalidPowerState);
      expect(error).toMatchObject({ code: 'InstanceInvalidPowerState', instanceId: spec.instanceId, operation: 'snapshot', state: POWER_STATE.RUNNING });
      expect(await stateOf(spec.instanceId)).toBe('running');
      expect(await filesOf(instanceDir(spec))).toEqual(filesBefore);
    });

    it('of a suspended guest (a managed save: no QEMU holds the disk) gives the copy, and the guest resumes running', async () => {
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      await driver.suspend({ instanceId: spec.instanceId });
      const copy = await driver.snapshot({ instanceId: spec.instanceId });
      const saved = join(workDir, `${spec.instanceId}.suspended-snapshot`);
      await pipeline(copy.stream, createWriteStream(saved));
      expect(await qemuImgInfo(saved)).toMatchObject({ format: 'qcow2' });
      expect(await stateOf(spec.instanceId)).toBe('suspended');
      await driver.resume({ instanceId: spec.instanceId });
      expect(await stateOf(spec.instanceId)).toBe('running');
    });

    it('a copy qemu-img fails half-way through rejects with DriverOperationFailed and leaves no file behind', async () => {
      const spec = makeInstance();
      await driver.spawn({ instance: spec, powerOn: false });
      const disk = join(instanceDir(spec), 'disk');
      await qemuIo(disk, 'write -P 0xa5 0 64k');
      await corruptFirstL2Table(disk);
      const filesBefore = await filesOf(instanceDir(spec));
      const error = await driver.snapshot({ instanceId: spec.instanceId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DriverOperationFailed);
      expect(error).toMatchObject({ operation: 'snapshot', instanceId: spec.instanceId });
      expect((error as DriverOperationFailed).reason).toContain('Input/output error');
      expect(await filesOf(instanceDir(spec))).toEqual(filesBefore);
    });

    it('of a missing instance rejects with InstanceNotFound', async () => {
      const instanceId = randomUUID();
      const error = await driver.snapshot({ instanceId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InstanceNotFound);
      expect(error).toMatchObject({ code: 'InstanceNotFound', instanceId });
    });
  });

  it('a domain without Strata metadata is neither listed, nor reported, nor touched by destroy', async () => {
    const uuid = randomUUID();
    const name = `not-strata-${uuid.slice(0, 8)}`;
    const xml = join(fixture.instancesPath, 'foreign.xml');
    await writeFile(
      xml,
      `<domain type='qemu'><name>${name}</name><uuid>${uuid}</uuid><memory unit='KiB'>65536</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>`,
    );
    await virsh('define', xml);
    try {
      expect(await driver.listInstances()).not.toContain(uuid);
      await expect(driver.getInfo({ instanceId: uuid })).rejects.toThrow(InstanceNotFound);
      await driver.destroy({ instanceId: uuid });
      expect(await domainUuids()).toContain(uuid);
    } finally {
      await virsh('undefine', uuid).catch(() => undefined);
    }
  });

  it('getAvailableResource reports the real host: its CPUs and memory, QEMU, the disk of the instances folder', async () => {
    const host = await driver.getAvailableResource();
    const fs = await statfs(fixture.instancesPath);
    expect(host).toMatchObject({
      hypervisorHostname: 'libvirt-int-spec',
      hypervisorType: 'QEMU',
      cpuArch: 'x86_64',
      vcpus: cpus().length,
      localGb: Math.floor((fs.blocks * fs.bsize) / GIB),
    });
    expect(Math.abs(host.memoryMb - totalmem() / 1024 ** 2)).toBeLessThan(256);
    const version = await virsh('version');
    const [major, minor, micro] = /Running hypervisor: QEMU (\d+)\.(\d+)\.(\d+)/.exec(version)!.slice(1).map(Number);
    expect(host.hypervisorVersion).toBe(major * 1_000_000 + minor * 1000 + micro);
  });
});
