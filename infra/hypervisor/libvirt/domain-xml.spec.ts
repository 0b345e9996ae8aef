import { FlavorSpec } from '../compute-driver';
import { buildDomainXml, DomainXmlInput, escapeXml, parseInstanceMetadata, STRATA_METADATA_NAMESPACE, unescapeXml } from './domain-xml';

const flavor: FlavorSpec = { id: 'f-tiny', name: 'm1.tiny', vcpus: 2, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };

const input = (overrides: { properties?: Record<string, string>; displayName?: string; name?: string; flavor?: Partial<FlavorSpec> } = {}): DomainXmlInput => ({
  instance: {
    instanceId: '0b5ad0a4-2b55-4f0e-9b53-2a5a5a3a9a11',
    name: overrides.name ?? 'instance-0b5ad0a4',
    displayName: overrides.displayName ?? 'web-1',
    flavor: { ...flavor, ...overrides.flavor },
    image: { id: 'cirros-0.6.2', properties: overrides.properties ?? {}, diskFormat: 'qcow2' },
  },
  domainType: 'qemu',
  diskPath: '/var/lib/strata/instances/0b5ad0a4-2b55-4f0e-9b53-2a5a5a3a9a11/disk',
  diskFormat: 'qcow2',
  consoleLogPath: '/var/lib/strata/instances/0b5ad0a4-2b55-4f0e-9b53-2a5a5a3a9a11/console.log',
});

describe('buildDomainXml', () => {
  it('sizes the guest by its flavor: memory and currentMemory in KiB, vCPUs', () => {
    const xml = buildDomainXml(input());
    expect(xml).toContain("<memory unit='KiB'>524288</memory>");
    expect(xml).toContain("<currentMemory unit='KiB'>524288</currentMemory>");
    expect(xml).toContain("<vcpu placement='static'>2</vcpu>");
  });

  it('keys the domain by the instance id as uuid and names it after the instance name', () => {
    const xml = buildDomainXml(input());
    expect(xml).toContain('<uuid>0b5ad0a4-2b55-4f0e-9b53-2a5a5a3a9a11</uuid>');
    expect(xml).toContain('<name>instance-0b5ad0a4</name>');
    expect(xml).toMatch(/^<domain type='qemu'>/);
  });

  it('boots the root overlay on virtio in a pc machine by default, SeaBIOS printing on the serial console', () => {
    const xml = buildDomainXml(input());
    expect(xml).toContain("<type arch='x86_64' machine='pc'>hvm</type>");
    expect(xml).toContain("<bios useserial='yes'/>");
    expect(xml).toContain("<boot dev='hd'/>");
    expect(xml).toContain("<source file='/var/lib/strata/instances/0b5ad0a4-2b55-4f0e-9b53-2a5a5a3a9a11/disk'/>");
    expect(xml).toContain("<driver name='qemu' type='qcow2'/>");
    expect(xml).toContain("<target dev='vda' bus='virtio'/>");
    expect(xml).toContain("<serial type='file'>");
    expect(xml).toContain("<source path='/var/lib/strata/instances/0b5ad0a4-2b55-4f0e-9b53-2a5a5a3a9a11/console.log' append='on'/>");
    expect(xml).not.toContain('<interface');
  });

  it('takes the disk bus and machine type from the image properties', () => {
    const xml = buildDomainXml(input({ properties: { hw_disk_bus: 'sata', hw_machine_type: 'q35' } }));
    expect(xml).toContain("<target dev='sda' bus='sata'/>");
    expect(xml).toContain("machine='q35'");
    expect(buildDomainXml(input({ properties: { hw_disk_bus: 'ide' } }))).toContain("<target dev='hda' bus='ide'/>");
  });

  it('adds the SCSI controller model the image asks for', () => {
    const xml = buildDomainXml(input({ properties: { hw_disk_bus: 'scsi', hw_scsi_model: 'virtio-scsi' } }));
    expect(xml).toContain("<controller type='scsi' index='0' model='virtio-scsi'/>");
    expect(xml).toContain("<target dev='sda' bus='scsi'/>");
  });

  it('refuses a disk bus or machine type it cannot write safely', () => {
    expect(() => buildDomainXml(input({ properties: { hw_disk_bus: 'floppy' } }))).toThrow('hw_disk_bus=floppy is not supported');
    expect(() => buildDomainXml(input({ properties: { hw_machine_type: "pc'/><evil" } }))).toThrow(RangeError);
  });

  it('powers off, restarts and destroys as Nova does, with ACPI and APIC', () => {
    const xml = buildDomainXml(input());
    expect(xml).toContain('<on_poweroff>destroy</on_poweroff>');
    expect(xml).toContain('<on_reboot>restart</on_reboot>');
    expect(xml).toContain('<on_crash>destroy</on_crash>');
    expect(xml).toContain('<acpi/>');
    expect(xml).toContain('<apic/>');
  });

  it('asks for the host CPU model only under KVM', () => {
    expect(buildDomainXml({ ...input(), domainType: 'kvm' })).toContain("<domain type='kvm'>");
    expect(buildDomainXml({ ...input(), domainType: 'kvm' })).toContain("<cpu mode='host-model'/>");
    expect(buildDomainXml(input())).not.toContain('<cpu');
  });

  it('escapes the domain name, the display name and the flavor in the title and the metadata', () => {
    const xml = buildDomainXml(input({ name: 'a<b>&c', displayName: `Bob's "web" <1> & co`, flavor: { id: 'f"1', name: "x'y" } }));
    expect(xml).toContain('<name>a&lt;b&gt;&amp;c</name>');
    expect(xml).toContain('<title>Bob&apos;s &quot;web&quot; &lt;1&gt; &amp; co</title>');
    expect(xml).toContain('<strata:name>Bob&apos;s &quot;web&quot; &lt;1&gt; &amp; co</strata:name>');
    expect(xml).toContain('<strata:flavor id="f&quot;1" name="x&apos;y">');
    expect(xml).not.toContain('<1>');
  });

  it('escapes the paths of the disk and the console log', () => {
    const xml = buildDomainXml({ ...input(), diskPath: "/srv/it's&<here>/disk", consoleLogPath: "/srv/it's/console.log" });
    expect(xml).toContain("<source file='/srv/it&apos;s&amp;&lt;here&gt;/disk'/>");
    expect(xml).toContain("<source path='/srv/it&apos;s/console.log' append='on'/>");
  });

  it('puts a display name with a line break on one title line (libvirt refuses a multi-line title)', () => {
    expect(buildDomainXml(input({ displayName: 'two\nlines' }))).toContain('<title>two lines</title>');
  });

  it('refuses an instance id that is not a uuid, a blank name and a flavor without memory', () => {
    expect(() => buildDomainXml({ ...input(), instance: { ...input().instance, instanceId: '../../etc' } })).toThrow('is not a uuid');
    expect(() => buildDomainXml(input({ name: ' ' }))).toThrow('must not be blank');
    expect(() => buildDomainXml(input({ flavor: { memoryMb: 0 } }))).toThrow('memoryMb must be a positive integer');
  });
});

describe('escapeXml', () => {
  it('replaces characters XML 1.0 cannot carry, even escaped, and keeps the rest of Unicode', () => {
    expect(escapeXml('a\u0000b\u001bc\ud800d')).toBe('a\ufffdb\ufffdc\ufffdd');
    expect(escapeXml('tab\tnew\nline é 😀')).toBe('tab\tnew\nline é 😀');
  });

  it('is undone by unescapeXml, numeric references included', () => {
    const text = `<a href="x">Bob's & co</a>`;
    expect(unescapeXml(escapeXml(text))).toBe(text);
    expect(unescapeXml('&#65;&#x42;')).toBe('AB');
  });
});

describe('parseInstanceMetadata', () => {
  it('reads back what buildDomainXml wrote: display name, flavor, image', () => {
    const xml = buildDomainXml(input({ displayName: `Bob's "web" <1> & co`, flavor: { id: 'f"1', name: "x'y", ephemeralGb: 5, swapMb: 512 } }));
    expect(parseInstanceMetadata(xml)).toEqual({
      displayName: `Bob's "web" <1> & co`,
      flavor: { id: 'f"1', name: "x'y", vcpus: 2, memoryMb: 512, rootGb: 1, ephemeralGb: 5, swapMb: 512 },
      imageId: 'cirros-0.6.2',
    });
  });

  it('reads the element as `virsh metadata --uri` prints it: without the prefix, attributes in double quotes', () => {
    const printed = [
      '<instance>',
      '  <name>web &amp; db</name>',
      '  <flavor id="f-1" name="m1.tiny">',
      '    <memory>64</memory>',
      '    <disk>1</disk>',
      '    <swap>0</swap>',
      '    <ephemeral>0</ephemeral>',
      '    <vcpus>1</vcpus>',
      '  </flavor>',
      '  <root type="image" uuid="img-1"/>',
      '</instance>',
    ].join('\n');
    expect(parseInstanceMetadata(printed)).toEqual({
      displayName: 'web & db',
      flavor: { id: 'f-1', name: 'm1.tiny', vcpus: 1, memoryMb: 64, rootGb: 1, ephemeralGb: 0, swapMb: 0 },
      imageId: 'img-1',
    });
  });

  it('is null for metadata Strata did not write', () => {
    expect(parseInstanceMetadata('<instance><name>x</name></instance>')).toBeNull();
    expect(parseInstanceMetadata(`<nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1"/>`)).toBeNull();
    expect(parseInstanceMetadata('')).toBeNull();
  });

  it('declares the Strata namespace on the metadata element', () => {
    expect(buildDomainXml(input())).toContain(`<strata:instance xmlns:strata="${STRATA_METADATA_NAMESPACE}">`);
  });
});
