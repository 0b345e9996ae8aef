import { DiskInspection, diskFormatMismatch, unsafeImage, virtualSizeFor } from './disk-inspector';

const MiB = 1024 * 1024;
const image = (format: string, more: Partial<DiskInspection> = {}): DiskInspection => ({ format, virtualSize: 64 * MiB, ...more });
const raw = image('raw', { rawSignatures: [] });
const iso = image('raw', { rawSignatures: [{ format: 'iso' }] });
const fixedVhd = image('raw', { virtualSize: 64 * MiB + 512, rawSignatures: [{ format: 'vhd', virtualSize: 64 * MiB }] });

describe('diskFormatMismatch', () => {
  it.each([
    ['qcow2', 'qcow2', image('qcow2')],
    ['raw', 'raw', raw],
    ['raw', 'an ISO', iso],
    ['raw', 'a fixed VHD', fixedVhd],
    ['vmdk', 'vmdk', image('vmdk', { vmdkCreateType: 'streamOptimized' })],
    ['vhd', 'vpc', image('vpc')],
    ['vhd', 'a fixed VHD', fixedVhd],
    ['vhdx', 'vhdx', image('vhdx')],
    ['vdi', 'vdi', image('vdi')],
    ['iso', 'an ISO', iso],
  ])('accepts %s declared for %s', (declared, _what, found) => {
    expect(diskFormatMismatch(declared, found)).toBeNull();
  });

  it.each(['ploop', 'ami', 'ari', 'aki'])('leaves %s unchecked, as Glance does', (declared) => {
    expect(diskFormatMismatch(declared, image('qcow2'))).toBeNull();
    expect(diskFormatMismatch(declared, raw)).toBeNull();
  });

  it('refuses qcow2 bytes declared raw, and names the format to declare', () => {
    expect(diskFormatMismatch('raw', image('qcow2'))).toBe(
      "Image disk_format raw does not match the data, which qemu-img reads as qcow2; set the image's disk_format to qcow2 and upload it again.",
    );
  });

  it('refuses raw bytes declared qcow2', () => {
    expect(diskFormatMismatch('qcow2', raw)).toBe(
      "Image disk_format qcow2 does not match the data, which qemu-img reads as raw; set the image's disk_format to raw and upload it again.",
    );
  });

  it.each([
    ['raw', 'vmdk'],
    ['raw', 'vpc'],
    ['raw', 'vdi'],
    ['raw', 'luks'],
    ['iso', 'qcow2'],
    ['vhd', 'qcow2'],
    ['vhdx', 'vpc'],
    ['vmdk', 'vdi'],
    ['vdi', 'raw'],
  ])('refuses %s declared for %s bytes', (declared, format) => {
    expect(diskFormatMismatch(declared, image(format))).toMatch(new RegExp(`^Image disk_format ${declared} does not match the data, which qemu-img reads as ${format}`));
  });

  it('calls vpc VHD, the name a Glance user knows', () => {
    expect(diskFormatMismatch('qcow2', image('vpc'))).toBe(
      "Image disk_format qcow2 does not match the data, which qemu-img reads as vpc (VHD); set the image's disk_format to vhd and upload it again.",
    );
  });

  it('says to convert a format Glance has no disk_format for', () => {
    expect(diskFormatMismatch('qcow2', image('qed'))).toBe(
      'Image disk_format qcow2 does not match the data, which qemu-img reads as qed, a format Glance does not take; convert it with "qemu-img convert -O qcow2" and upload the result as qcow2.',
    );
  });

  it('refuses raw bytes without a volume descriptor declared iso', () => {
    expect(diskFormatMismatch('iso', raw)).toMatch(/^Image disk_format iso does not match the data, which has no ISO 9660 or UDF volume descriptor/);
  });

  it('suggests iso for an ISO declared as something else', () => {
    expect(diskFormatMismatch('qcow2', iso)).toMatch(/set the image's disk_format to iso/);
  });

  it('refuses plain raw bytes declared vhd: only a fixed-VHD footer makes raw bytes a VHD', () => {
    expect(diskFormatMismatch('vhd', raw)).toMatch(/^Image disk_format vhd does not match the data, which qemu-img reads as raw/);
  });

  it('trusts a VHD footer only on bytes qemu reads as raw', () => {
    const qcow2WithFooter = image('qcow2', { rawSignatures: [{ format: 'vhd', virtualSize: 64 * MiB }] });
    expect(diskFormatMismatch('vhd', qcow2WithFooter)).not.toBeNull();
  });

  it('refuses a disk_format Glance does not know', () => {
    expect(diskFormatMismatch('qcow3', image('qcow2'))).toMatch(/^Image disk_format qcow3 is not one of qcow2, raw, /);
  });
});

describe('unsafeImage', () => {
  it.each([
    ['qcow2', image('qcow2')],
    ['qcow2 with null references', image('qcow2', { backingFile: null, dataFile: null })],
    ['raw', raw],
    ['monolithicSparse vmdk', image('vmdk', { vmdkCreateType: 'monolithicSparse' })],
    ['streamOptimized vmdk', image('vmdk', { vmdkCreateType: 'streamOptimized' })],
    ['vpc', image('vpc')],
    ['vhdx', image('vhdx')],
    ['vdi', image('vdi')],
  ])('accepts a self-contained %s', (_what, found) => {
    expect(unsafeImage(found)).toBeNull();
  });

  it('refuses a qcow2 with a backing file, naming it', () => {
    expect(unsafeImage(image('qcow2', { backingFile: '/etc/shadow' }))).toBe(
      'Image data is a qcow2 image with a backing file ("/etc/shadow"), which could expose files on the host; flatten it with "qemu-img convert -O qcow2" and upload the result.',
    );
  });

  it('refuses a qcow2 with an external data file', () => {
    expect(unsafeImage(image('qcow2', { dataFile: '/dev/sda' }))).toBe(
      'Image data is a qcow2 image with an external data file ("/dev/sda"), which could expose files on the host; flatten it with "qemu-img convert -O qcow2" and upload the result.',
    );
  });

  it('refuses a backing file in any format', () => {
    expect(unsafeImage(image('qed', { backingFile: 'base.img' }))).toMatch(/^Image data is a qed image with a backing file \("base.img"\).*"qemu-img convert -O qcow2"/);
    expect(unsafeImage(image('vmdk', { vmdkCreateType: 'monolithicSparse', backingFile: 'parent.vmdk' }))).toMatch(/convert -O vmdk"/);
  });

  it.each(['monolithicFlat', 'twoGbMaxExtentSparse', 'vmfs', null])('refuses a vmdk of type %s, whose extents may be host files', (vmdkCreateType) => {
    expect(unsafeImage(image('vmdk', { vmdkCreateType }))).toMatch(new RegExp(`^Image data is a vmdk of type ${vmdkCreateType ?? 'unknown'}, .*subformat=streamOptimized`));
  });
});

describe('virtualSizeFor', () => {
  it("is a fixed VHD's footer size when declared vhd", () => {
    expect(virtualSizeFor('vhd', fixedVhd)).toBe(64 * MiB);
  });

  it("is qemu-img's virtual size otherwise, a fixed VHD declared raw included", () => {
    expect(virtualSizeFor('raw', fixedVhd)).toBe(64 * MiB + 512);
    expect(virtualSizeFor('qcow2', image('qcow2', { virtualSize: 1 }))).toBe(1);
  });
});
