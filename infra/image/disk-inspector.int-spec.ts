import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskInspectionFailed, DiskInspectorUnavailable, QemuImgInspector, diskFormatMismatch, unsafeImage, virtualSizeFor } from './disk-inspector';

// Real qemu-img (Debian qemu-utils, which the test command installs): a missing binary fails these tests rather than skipping them.
const MiB = 1024 * 1024;
let dir: string;
const at = (name: string) => path.join(dir, name);
const qemuImg = (...args: string[]) => execFileSync('qemu-img', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

function script(name: string, body: string): string {
  fs.writeFileSync(at(name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return at(name);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-disk-'));
  for (const format of ['qcow2', 'raw', 'vmdk', 'vpc', 'vdi', 'vhdx', 'qed']) qemuImg('create', '-q', '-f', format, `disk.${format}`, '64M');
  qemuImg('create', '-q', '-f', 'vpc', '-o', 'subformat=fixed,force_size=on', 'fixed.vhd', '64M');
  qemuImg('create', '-q', '-f', 'vmdk', '-o', 'subformat=streamOptimized', 'stream.vmdk', '64M');
  qemuImg('create', '-q', '-f', 'qcow2', '-b', 'disk.qcow2', '-F', 'qcow2', 'child.qcow2');
  qemuImg('create', '-q', '-f', 'qcow2', '-o', 'data_file=data.raw', 'external-data.qcow2', '64M');
  fs.writeFileSync(at('flat.vmdk'), '# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 8 FLAT "disk.raw" 0\n');
  const iso = Buffer.alloc(64 * 1024);
  iso.write('\x01CD001', 0x8000, 'latin1');
  fs.writeFileSync(at('volume.iso'), iso);
  fs.writeFileSync(at('garbage'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
  fs.writeFileSync(at('empty'), '');
  const corrupt = Buffer.alloc(512, 0xff);
  corrupt.write('QFI\xfb\x00\x00\x00\x03', 0, 'latin1');
  fs.writeFileSync(at('corrupt.qcow2'), corrupt);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('QemuImgInspector', () => {
  const inspector = new QemuImgInspector();

  it.each([
    ['disk.qcow2', 'qcow2', 64 * MiB],
    ['disk.raw', 'raw', 64 * MiB],
    ['disk.vmdk', 'vmdk', 64 * MiB],
    ['stream.vmdk', 'vmdk', 64 * MiB],
    ['disk.vdi', 'vdi', 64 * MiB],
    ['disk.vhdx', 'vhdx', 64 * MiB],
    ['disk.qed', 'qed', 64 * MiB],
    // A dynamic VHD's size is rounded up to whole cylinders of its CHS geometry.
    ['disk.vpc', 'vpc', 67_125_248],
  ])('reads %s as %s of %d bytes', async (name, format, virtualSize) => {
    await expect(inspector.inspect(at(name))).resolves.toMatchObject({ format, virtualSize });
  });

  it('reads a qcow2 as safe and as what it is', async () => {
    const found = await inspector.inspect(at('disk.qcow2'));
    expect(found).toEqual({ format: 'qcow2', virtualSize: 64 * MiB, backingFile: null, dataFile: null });
    expect(unsafeImage(found)).toBeNull();
    expect(diskFormatMismatch('qcow2', found)).toBeNull();
  });

  it('catches qcow2 bytes declared raw', async () => {
    expect(diskFormatMismatch('raw', await inspector.inspect(at('disk.qcow2')))).toMatch(/^Image disk_format raw does not match the data, which qemu-img reads as qcow2; /);
  });

  it('catches raw bytes declared qcow2', async () => {
    expect(diskFormatMismatch('qcow2', await inspector.inspect(at('disk.raw')))).toMatch(/^Image disk_format qcow2 does not match the data, which qemu-img reads as raw; /);
  });

  it('reports a backing file without opening it, and refuses the image', async () => {
    const found = await inspector.inspect(at('child.qcow2'));
    expect(found).toMatchObject({ format: 'qcow2', virtualSize: 64 * MiB, backingFile: 'disk.qcow2' });
    expect(unsafeImage(found)).toMatch(/backing file \("disk.qcow2"\)/);
  });

  it('reports an external data file, and refuses the image', async () => {
    const found = await inspector.inspect(at('external-data.qcow2'));
    expect(found).toMatchObject({ format: 'qcow2', dataFile: 'data.raw' });
    expect(unsafeImage(found)).toMatch(/external data file \("data.raw"\)/);
  });

  it('refuses a vmdk descriptor whose extent is another file', async () => {
    const found = await inspector.inspect(at('flat.vmdk'));
    expect(found).toMatchObject({ format: 'vmdk', vmdkCreateType: 'monolithicFlat' });
    expect(unsafeImage(found)).toMatch(/^Image data is a vmdk of type monolithicFlat/);
  });

  it('accepts a streamOptimized vmdk', async () => {
    const found = await inspector.inspect(at('stream.vmdk'));
    expect(found.vmdkCreateType).toBe('streamOptimized');
    expect(unsafeImage(found)).toBeNull();
  });

  it('reads garbage as raw: qemu-img takes anything it cannot place as raw', async () => {
    await expect(inspector.inspect(at('garbage'))).resolves.toEqual({ format: 'raw', virtualSize: 4096, backingFile: null, dataFile: null, rawSignatures: [] });
  });

  it('reads an empty file as raw of size 0', async () => {
    await expect(inspector.inspect(at('empty'))).resolves.toMatchObject({ format: 'raw', virtualSize: 0, rawSignatures: [] });
  });

  it('recognises an ISO, which qemu-img reads as raw', async () => {
    const found = await inspector.inspect(at('volume.iso'));
    expect(found).toMatchObject({ format: 'raw', virtualSize: 64 * 1024, rawSignatures: [{ format: 'iso' }] });
    expect(diskFormatMismatch('iso', found)).toBeNull();
    expect(diskFormatMismatch('raw', found)).toBeNull();
    expect(diskFormatMismatch('iso', await inspector.inspect(at('disk.raw')))).toMatch(/no ISO 9660 or UDF volume descriptor/);
  });

  it('recognises a fixed VHD by its footer, which qemu-img reads as raw', async () => {
    const found = await inspector.inspect(at('fixed.vhd'));
    expect(found).toMatchObject({ format: 'raw', virtualSize: 64 * MiB + 512, rawSignatures: [{ format: 'vhd', virtualSize: 64 * MiB }] });
    expect(diskFormatMismatch('vhd', found)).toBeNull();
    expect(virtualSizeFor('vhd', found)).toBe(64 * MiB);
    expect(diskFormatMismatch('vhd', await inspector.inspect(at('disk.raw')))).toMatch(/which qemu-img reads as raw/);
  });

  it('fails a corrupt header with qemu-img\'s reason, without the server path', async () => {
    const failure = inspector.inspect(at('corrupt.qcow2'));
    await expect(failure).rejects.toThrow(DiskInspectionFailed);
    const error = (await failure.catch((e) => e)) as DiskInspectionFailed;
    expect(error.reason).toMatch(/^Could not open 'image': .*cluster size/);
    expect(error.message).not.toContain(dir);
    expect(error.stderr).toContain(at('corrupt.qcow2'));
  });

  it('fails a missing file', async () => {
    await expect(inspector.inspect(at('absent'))).rejects.toThrow(/No such file or directory/);
    await expect(inspector.inspect(at('absent'))).rejects.toBeInstanceOf(DiskInspectionFailed);
  });

  it('runs qemu-img under 1 GiB of address space and 30 s of CPU', async () => {
    const limits = script('print-limits', 'echo "{\\"format\\": \\"as=$(ulimit -v) cpu=$(ulimit -t)\\", \\"virtual-size\\": 0}"');
    await expect(new QemuImgInspector({ binary: limits }).inspect(at('empty'))).resolves.toMatchObject({ format: 'as=1048576 cpu=30' });
  });

  it('runs qemu-img unbounded when prlimit is missing', async () => {
    const found = await new QemuImgInspector({ prlimit: at('no-prlimit') }).inspect(at('disk.qcow2'));
    expect(found).toMatchObject({ format: 'qcow2', virtualSize: 64 * MiB });
  });

  it.each([
    ['under prlimit', {}],
    ['without prlimit', { prlimit: false as const }],
  ])('names the Debian package when qemu-img is missing, %s', async (_how, options) => {
    const missing = new QemuImgInspector({ ...options, binary: at('no-qemu-img') }).inspect(at('disk.raw'));
    await expect(missing).rejects.toBeInstanceOf(DiskInspectorUnavailable);
    await expect(missing).rejects.toThrow(/qemu-utils/);
  });

  it('gives up on a qemu-img that outlives its time-out', async () => {
    const hang = script('hang', 'exec sleep 30');
    await expect(new QemuImgInspector({ binary: hang, timeoutMs: 200 }).inspect(at('disk.raw'))).rejects.toThrow(/did not finish within 200 ms/);
  });

  it('stops when aborted, rejecting with the reason', async () => {
    const hang = script('hang-abortable', 'exec sleep 30');
    const controller = new AbortController();
    const inspection = new QemuImgInspector({ binary: hang }).inspect(at('disk.raw'), { signal: controller.signal });
    const reason = new Error('upload cancelled');
    setImmediate(() => controller.abort(reason));
    await expect(inspection).rejects.toBe(reason);
  });
});
