import { POWER_STATE } from '../compute-driver';
import { parseCpuTimeNs, parseDominfo, parseHostCpu, parseHypervisorVersion, parseNodeinfo, powerStateOf, versionToInt } from './virsh-output';

const dominfo = (state: string, id: string, managedSave = 'no') =>
  [
    `Id:             ${id}`,
    'Name:           instance-0b5ad0a4',
    'UUID:           0b5ad0a4-2b55-4f0e-9b53-2a5a5a3a9a11',
    'OS Type:        hvm',
    `State:          ${state}`,
    'CPU(s):         2',
    'CPU time:       0.9s',
    'Max memory:     131072 KiB',
    'Used memory:    65536 KiB',
    'Persistent:     yes',
    'Autostart:      disable',
    `Managed save:   ${managedSave}`,
    'Security model: none',
    '',
  ].join('\n');

describe('powerStateOf', () => {
  it.each([
    ['running', POWER_STATE.RUNNING],
    ['idle', POWER_STATE.RUNNING],
    ['paused', POWER_STATE.PAUSED],
    ['in shutdown', POWER_STATE.SHUTDOWN],
    ['shut off', POWER_STATE.SHUTDOWN],
    ['crashed', POWER_STATE.CRASHED],
    ['pmsuspended', POWER_STATE.SUSPENDED],
    ['no state', POWER_STATE.NOSTATE],
  ])('maps %s as nova/virt/libvirt/guest.py does', (state, expected) => {
    expect(powerStateOf(state, false)).toBe(expected);
  });

  it('shows a shut-off domain with a managed save image SUSPENDED', () => {
    expect(powerStateOf('shut off', true)).toBe(POWER_STATE.SUSPENDED);
  });
});

describe('parseDominfo', () => {
  it('reads state, CPUs and memory of a running domain', () => {
    expect(parseDominfo(dominfo('running', '7'))).toEqual({
      virshState: 'running',
      state: POWER_STATE.RUNNING,
      active: true,
      hasManagedSave: false,
      numCpu: 2,
      maxMemKb: 131072,
      memKb: 65536,
    });
  });

  it('tells an inactive domain by its id "-", and a saved one by its managed save', () => {
    expect(parseDominfo(dominfo('shut off', '-', 'yes'))).toMatchObject({ active: false, hasManagedSave: true, state: POWER_STATE.SUSPENDED });
  });
});

describe('parseCpuTimeNs', () => {
  it('reads cpu.time of domstats --cpu-total, and 0 when there is none', () => {
    expect(parseCpuTimeNs("Domain: 'x'\n  cpu.time=915972000\n  cpu.user=428246000\n")).toBe(915972000);
    expect(parseCpuTimeNs("Domain: 'x'\n\n")).toBe(0);
  });
});

describe('versions', () => {
  it('turns a version into Nova\'s integer form', () => {
    expect(versionToInt('7.2.22')).toBe(7_002_022);
    expect(versionToInt('9.0')).toBe(9_000_000);
    expect(() => versionToInt('7.x')).toThrow(RangeError);
  });

  it('reads the running hypervisor from virsh version', () => {
    const text = 'Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: QEMU 9.0.0\nRunning hypervisor: QEMU 7.2.22\n';
    expect(parseHypervisorVersion(text)).toEqual({ type: 'QEMU', version: 7_002_022 });
    expect(() => parseHypervisorVersion('Using library: libvirt 9.0.0\n')).toThrow('did not name the running hypervisor');
  });
});

describe('host', () => {
  it('reads CPUs, memory in MB and topology from virsh nodeinfo', () => {
    const text = [
      'CPU model:           x86_64',
      'CPU(s):              2',
      'CPU frequency:       2096 MHz',
      'CPU socket(s):       1',
      'Core(s) per socket:  2',
      'Thread(s) per core:  1',
      'NUMA cell(s):        1',
      'Memory size:         24683748 KiB',
    ].join('\n');
    expect(parseNodeinfo(text)).toEqual({ cpuArch: 'x86_64', vcpus: 2, memoryMb: 24105, topology: { sockets: 1, cores: 2, threads: 1 } });
  });

  it("reads Nova's cpu_info from the host CPU of virsh capabilities", () => {
    const caps = `<capabilities><host><uuid>x</uuid><cpu><arch>x86_64</arch><model>kvm64</model><vendor>AMD</vendor>
      <topology sockets='1' dies='1' cores='2' threads='1'/><feature name='vme'/><feature name='avx2'/></cpu></host>
      <guest><arch name='x86_64'><cpu><model>other</model></cpu></arch></guest></capabilities>`;
    expect(parseHostCpu(caps)).toEqual({ arch: 'x86_64', model: 'kvm64', vendor: 'AMD', topology: { sockets: 1, cores: 2, threads: 1 }, features: ['vme', 'avx2'] });
  });
});
