import { FlavorSpec, InstanceSpec } from '../compute-driver';

/** Namespace of the `<metadata>` element that marks a domain as Strata's (Nova's is http://openstack.org/xmlns/libvirt/nova/1.1). */
export const STRATA_METADATA_NAMESPACE = 'https://strata.dev/xmlns/libvirt/instance/1.0';
export const STRATA_METADATA_PREFIX = 'strata';

export type DomainType = 'kvm' | 'qemu';

/** Buses the libvirt driver can put the root disk on (Nova's `hw_disk_bus` values, less the ones needing more devices). */
export const DISK_BUSES = ['virtio', 'scsi', 'sata', 'ide'] as const;
export type DiskBus = (typeof DISK_BUSES)[number];

/** Everything a domain definition is built from; paths are absolute and chosen by the driver. */
export interface DomainXmlInput {
  instance: Pick<InstanceSpec, 'instanceId' | 'name' | 'displayName' | 'flavor' | 'image'>;
  domainType: DomainType;
  diskPath: string;
  /** Format of `diskPath` (the overlay): always qcow2 today. */
  diskFormat: 'qcow2' | 'raw';
  consoleLogPath: string;
}

/** What Strata writes into a domain's metadata, read back for host accounting, rebuild and resize. */
export interface StoredInstanceMetadata {
  displayName: string;
  flavor: Omit<FlavorSpec, 'extraSpecs'>;
  imageId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Text safe inside an XML 1.0 attribute or element: the five predefined entities escaped, and characters
 * XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF) replaced by U+FFFD.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#x[0-9a-f]+|#[0-9]+);/gi, (entity, name: string) => {
    switch (name.toLowerCase()) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      case 'amp':
        return '&';
    }
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}

/** Target device name of the root disk per bus, as libvirt names the first disk on it. */
function rootTargetDev(bus: DiskBus): string {
  switch (bus) {
    case 'virtio':
      return 'vda';
    case 'ide':
      return 'hda';
    case 'scsi':
    case 'sata':
      return 'sda';
    default: {
      const _: never = bus;
      return _;
    }
  }
}

/** `hw_disk_bus`, virtio when the image says nothing; an unknown bus is refused rather than guessed. */
export function diskBusOf(properties: Record<string, string>): DiskBus {
  const bus = properties.hw_disk_bus ?? 'virtio';
  if (!(DISK_BUSES as readonly string[]).includes(bus)) {
    throw new RangeError(`image property hw_disk_bus=${bus} is not supported; use one of ${DISK_BUSES.join(', ')}`);
  }
  return bus as DiskBus;
}

/** `hw_machine_type`, Nova's x86 default `pc` when the image says nothing. */
export function machineTypeOf(properties: Record<string, string>): string {
  const machine = properties.hw_machine_type ?? 'pc';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(machine)) throw new RangeError(`image property hw_machine_type=${machine} is not a machine type`);
  return machine;
}

function positiveInteger(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`flavor ${what} must be a positive integer, got ${value}`);
  return value;
}

function metadataXml(instance: DomainXmlInput['instance']): string {
  const { flavor } = instance;
  const p = STRATA_METADATA_PREFIX;
  const a = (value: string | number) => `"${escapeXml(String(value))}"`;
  return [
    `    <${p}:instance xmlns:${p}=${a(STRATA_METADATA_NAMESPACE)}>`,
    `      <${p}:name>${escapeXml(instance.displayName)}</${p}:name>`,
    `      <${p}:flavor id=${a(flavor.id)} name=${a(flavor.name)}>`,
    `        <${p}:memory>${flavor.memoryMb}</${p}:memory>`,
    `        <${p}:disk>${flavor.rootGb}</${p}:disk>`,
    `        <${p}:swap>${flavor.swapMb}</${p}:swap>`,
    `        <${p}:ephemeral>${flavor.ephemeralGb}</${p}:ephemeral>`,
    `        <${p}:vcpus>${flavor.vcpus}</${p}:vcpus>`,
    `      </${p}:flavor>`,
    `      <${p}:root type="image" uuid=${a(instance.image.id)}/>`,
    `    </${p}:instance>`,
  ].join('\n');
}

/**
 * The persistent definition of a guest, as Nova's libvirt driver would write it for a flavor and image:
 * memory and vCPUs from the flavor, disk bus and machine type from the image properties, the root disk
 * (a qcow2 overlay), the serial console appended to a file (SeaBIOS prints there too), no network yet.
 */
export function buildDomainXml(input: DomainXmlInput): string {
  const { instance, domainType } = input;
  if (!isUuid(instance.instanceId)) throw new RangeError(`instance id ${instance.instanceId} is not a uuid`);
  if (instance.name.trim() === '') throw new RangeError('instance name (the domain name) must not be blank');
  const memoryKib = positiveInteger('memoryMb', instance.flavor.memoryMb) * 1024;
  const vcpus = positiveInteger('vcpus', instance.flavor.vcpus);
  const bus = diskBusOf(instance.image.properties);
  const machine = machineTypeOf(instance.image.properties);
  const scsiModel = instance.image.properties.hw_scsi_model;
  const disk = escapeXml(input.diskPath);
  const log = escapeXml(input.consoleLogPath);
  return [
    `<domain type='${domainType}'>`,
    `  <name>${escapeXml(instance.name)}</name>`,
    `  <uuid>${instance.instanceId.toLowerCase()}</uuid>`,
    // libvirt refuses a title with a line break.
    `  <title>${escapeXml(instance.displayName.replace(/[\r\n]+/g, ' '))}</title>`,
    '  <metadata>',
    metadataXml(instance),
    '  </metadata>',
    `  <memory unit='KiB'>${memoryKib}</memory>`,
    `  <currentMemory unit='KiB'>${memoryKib}</currentMemory>`,
    `  <vcpu placement='static'>${vcpus}</vcpu>`,
    '  <os>',
    `    <type arch='x86_64' machine='${escapeXml(machine)}'>hvm</type>`,
    "    <boot dev='hd'/>",
    "    <bios useserial='yes'/>",
    '  </os>',
    '  <features>',
    '    <acpi/>',
    '    <apic/>',
    '  </features>',
    ...(domainType === 'kvm' ? ["  <cpu mode='host-model'/>"] : []),
    "  <clock offset='utc'/>",
    '  <on_poweroff>destroy</on_poweroff>',
    '  <on_reboot>restart</on_reboot>',
    '  <on_crash>destroy</on_crash>',
    '  <devices>',
    ...(bus === 'scsi' && scsiModel ? [`    <controller type='scsi' index='0' model='${escapeXml(scsiModel)}'/>`] : []),
    "    <disk type='file' device='disk'>",
    `      <driver name='qemu' type='${input.diskFormat}'/>`,
    `      <source file='${disk}'/>`,
    `      <target dev='${rootTargetDev(bus)}' bus='${bus}'/>`,
    '    </disk>',
    "    <serial type='file'>",
    `      <source path='${log}' append='on'/>`,
    "      <target port='0'/>",
    '    </serial>',
    "    <console type='file'>",
    `      <source path='${log}' append='on'/>`,
    "      <target type='serial' port='0'/>",
    '    </console>',
    "    <controller type='usb' model='none'/>",
    "    <memballoon model='none'/>",
    '  </devices>',
    '</domain>',
    '',
  ].join('\n');
}

/** The first element called `local` (any or no namespace prefix, as libvirt may give it back without one). */
function element(xml: string, local: string): { attributes: string; body: string } | null {
  const m = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${local}\\b([^>]*?)(?:/>|>([\\s\\S]*?)</(?:[A-Za-z_][\\w.-]*:)?${local}\\s*>)`).exec(xml);
  return m ? { attributes: m[1], body: m[2] ?? '' } : null;
}

function attribute(attributes: string, name: string): string | null {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attributes);
  return m ? unescapeXml(m[1] ?? m[2]) : null;
}

/**
 * Reads back the `<strata:instance>` element (as `virsh metadata --uri` prints it, or inside a whole
 * domain XML); null when it is absent or not one Strata wrote.
 */
export function parseInstanceMetadata(xml: string): StoredInstanceMetadata | null {
  const root = element(xml, 'instance');
  if (!root) return null;
  const name = element(root.body, 'name');
  const flavor = element(root.body, 'flavor');
  const image = element(root.body, 'root');
  if (!name || !flavor || !image) return null;
  const number = (local: string): number | null => {
    const e = element(flavor.body, local);
    const n = e ? Number(e.body.trim()) : NaN;
    return Number.isFinite(n) ? n : null;
  };
  const id = attribute(flavor.attributes, 'id');
  const flavorName = attribute(flavor.attributes, 'name');
  const imageId = attribute(image.attributes, 'uuid');
  const memoryMb = number('memory');
  const rootGb = number('disk');
  const swapMb = number('swap');
  const ephemeralGb = number('ephemeral');
  const vcpus = number('vcpus');
  if (id === null || flavorName === null || imageId === null) return null;
  if (memoryMb === null || rootGb === null || swapMb === null || ephemeralGb === null || vcpus === null) return null;
  return {
    displayName: unescapeXml(name.body),
    flavor: { id, name: flavorName, vcpus, memoryMb, rootGb, ephemeralGb, swapMb },
    imageId,
  };
}
