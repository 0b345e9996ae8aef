import { POWER_STATE } from '../compute-driver';
import { instanceDiagnostics, legacyDiagnostics, parseDomainInterfaces, parseDomstats } from './domstats';

/** `virsh domstats` of a 2-vCPU TCG guest on this machine, plus a tap interface and an empty CD-ROM. */
const DOMSTATS = `Domain: 'instance-00000001'
  state.state=1
  state.reason=1
  cpu.time=883938000
  balloon.current=131072
  balloon.maximum=131072
  balloon.last-update=0
  balloon.rss=45720
  vcpu.current=2
  vcpu.maximum=2
  vcpu.0.state=1
  vcpu.0.time=170000000
  vcpu.1.state=1
  vcpu.1.time=0
  net.count=1
  net.0.name=tap0
  net.0.rx.bytes=2070
  net.0.rx.pkts=26
  net.0.rx.errs=0
  net.0.rx.drop=1
  net.0.tx.bytes=1402
  net.0.tx.pkts=6
  net.0.tx.errs=0
  net.0.tx.drop=0
  block.count=2
  block.0.name=vda
  block.0.path=/var/lib/strata/instances/x/disk
  block.0.rd.reqs=112
  block.0.rd.bytes=262144
  block.0.wr.reqs=488
  block.0.wr.bytes=5778432
  block.0.capacity=1073741824
  block.1.name=hdc
`;

const XML = `<domain type='qemu'><devices>
  <interface type='bridge'><mac address='fa:16:3e:00:00:01'/><target dev='tap0'/><model type='virtio'/></interface>
  <interface type='user'><mac address='fa:16:3e:00:00:02'/><model type='virtio'/></interface>
</devices></domain>`;

describe('libvirt diagnostics from virsh domstats', () => {
  const stats = parseDomstats(DOMSTATS);
  const interfaces = parseDomainInterfaces(XML);

  it('reads the interfaces of the domain XML: MAC and host device (none for user-mode networking)', () => {
    expect(interfaces).toEqual([
      { mac: 'fa:16:3e:00:00:01', dev: 'tap0' },
      { mac: 'fa:16:3e:00:00:02', dev: null },
    ]);
  });

  it("gives Nova's legacy dict: per-vCPU times, per-disk and per-device counters, the maximum memory and libvirt's memory stats", () => {
    expect(legacyDiagnostics(stats, interfaces, 131072)).toEqual({
      cpu0_time: 170000000,
      cpu1_time: 0,
      vda_read_req: 112,
      vda_read: 262144,
      vda_write_req: 488,
      vda_write: 5778432,
      vda_errors: -1,
      tap0_rx: 2070,
      tap0_rx_packets: 26,
      tap0_rx_errors: 0,
      tap0_rx_drop: 1,
      tap0_tx: 1402,
      tap0_tx_packets: 6,
      tap0_tx_errors: 0,
      tap0_tx_drop: 0,
      memory: 131072,
      'memory-actual': 131072,
      'memory-last_update': 0,
      'memory-rss': 45720,
    });
  });

  it('gives the standard form: state, the domain type, MiB of memory, one entry per vCPU, NIC and disk with counters', () => {
    const d = instanceDiagnostics({ info: { state: POWER_STATE.RUNNING, maxMemKb: 131072, memKb: 131072 }, stats, interfaces, hypervisor: 'qemu', uptime: 12 });
    expect(d).toEqual({
      state: 'running',
      driver: 'libvirt',
      hypervisor: 'qemu',
      hypervisorOs: 'linux',
      uptime: 12,
      configDrive: false,
      memoryDetails: { maximum: 128, used: 128 },
      cpuDetails: [
        { id: 0, time: 170000000, utilisation: null },
        { id: 1, time: 0, utilisation: null },
      ],
      nicDetails: [
        { macAddress: 'fa:16:3e:00:00:01', rxOctets: 2070, rxErrors: 0, rxDrop: 1, rxPackets: 26, rxRate: null, txOctets: 1402, txErrors: 0, txDrop: 0, txPackets: 6, txRate: null },
        { macAddress: 'fa:16:3e:00:00:02', rxOctets: null, rxErrors: null, rxDrop: null, rxPackets: null, rxRate: null, txOctets: null, txErrors: null, txDrop: null, txPackets: null, txRate: null },
      ],
      // The empty CD-ROM has no counters and is left out, as Nova's blockStats fails on it.
      diskDetails: [{ readBytes: 262144, readRequests: 112, writeBytes: 5778432, writeRequests: 488, errorsCount: -1 }],
    });
  });

  it('a guest with no devices has empty lists', () => {
    const bare = parseDomstats("Domain: 'x'\n  state.state=1\n  vcpu.current=0\n  net.count=0\n  block.count=0\n");
    const d = instanceDiagnostics({ info: { state: POWER_STATE.RUNNING, maxMemKb: 65536, memKb: 32768 }, stats: bare, interfaces: [], hypervisor: 'kvm', uptime: null });
    expect(d).toMatchObject({ cpuDetails: [], nicDetails: [], diskDetails: [], memoryDetails: { maximum: 64, used: 32 }, uptime: null });
    expect(legacyDiagnostics(bare, [], 65536)).toEqual({ memory: 65536 });
  });
});
