import { DiskDiagnostics, InstanceDiagnostics, NicDiagnostics, powerStateName } from '../compute-driver';
import { DomainInfo } from './virsh-output';

/** `  name=value` lines of `virsh domstats <domain>` (one domain), as a map. */
export function parseDomstats(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([\w.-]+)=(.*)$/.exec(line);
    if (m) fields.set(m[1], m[2].trim());
  }
  return fields;
}

/** A guest's interface as its domain XML has it: the MAC, and the host device that carries its counters (none for user-mode networking). */
export interface DomainInterface {
  mac: string | null;
  dev: string | null;
}

/** The `<interface>` devices of a domain XML, in order (nova/virt/libvirt/driver.py reads `./devices/interface`). */
export function parseDomainInterfaces(xml: string): DomainInterface[] {
  return [...xml.matchAll(/<interface\b[\s\S]*?<\/interface>/g)].map(([block]) => ({
    mac: /<mac\s+address=['"]([^'"]+)['"]/.exec(block)?.[1] ?? null,
    dev: /<target\s+dev=['"]([^'"]+)['"]/.exec(block)?.[1] ?? null,
  }));
}

interface BlockCounters {
  name: string;
  rdReqs: number;
  rdBytes: number;
  wrReqs: number;
  wrBytes: number;
  errors: number;
}

interface NetCounters {
  rxBytes: number;
  rxPkts: number;
  rxErrs: number;
  rxDrop: number;
  txBytes: number;
  txPkts: number;
  txErrs: number;
  txDrop: number;
}

const count = (stats: Map<string, string>, key: string): number | null => {
  const v = stats.get(key);
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : null;
};

/** `vcpu.<n>.time` (ns) of each vcpu, in order: what Nova's `guest.get_vcpus_info()` gives. */
function vcpuTimes(stats: Map<string, string>): { id: number; time: number }[] {
  const n = count(stats, 'vcpu.current') ?? 0;
  const times: { id: number; time: number }[] = [];
  for (let id = 0; id < n; id++) {
    const time = count(stats, `vcpu.${id}.time`);
    if (time !== null) times.push({ id, time });
  }
  return times;
}

/**
 * The block devices with counters (an empty CD-ROM has none, as `blockStats` fails on it in Nova). libvirt's
 * QEMU driver keeps no error count: `virDomainBlockStats` gives -1, which virsh leaves out, so -1 it is.
 */
function blockCounters(stats: Map<string, string>): BlockCounters[] {
  const n = count(stats, 'block.count') ?? 0;
  const blocks: BlockCounters[] = [];
  for (let i = 0; i < n; i++) {
    const name = stats.get(`block.${i}.name`);
    const rdReqs = count(stats, `block.${i}.rd.reqs`);
    if (name === undefined || rdReqs === null) continue;
    blocks.push({
      name,
      rdReqs,
      rdBytes: count(stats, `block.${i}.rd.bytes`) ?? 0,
      wrReqs: count(stats, `block.${i}.wr.reqs`) ?? 0,
      wrBytes: count(stats, `block.${i}.wr.bytes`) ?? 0,
      errors: count(stats, `block.${i}.errors`) ?? -1,
    });
  }
  return blocks;
}

/** `net.<n>.*` counters by host device name. */
function netCounters(stats: Map<string, string>): Map<string, NetCounters> {
  const n = count(stats, 'net.count') ?? 0;
  const nets = new Map<string, NetCounters>();
  for (let i = 0; i < n; i++) {
    const name = stats.get(`net.${i}.name`);
    if (name === undefined) continue;
    const c = (k: string) => count(stats, `net.${i}.${k}`) ?? 0;
    nets.set(name, {
      rxBytes: c('rx.bytes'),
      rxPkts: c('rx.pkts'),
      rxErrs: c('rx.errs'),
      rxDrop: c('rx.drop'),
      txBytes: c('tx.bytes'),
      txPkts: c('tx.pkts'),
      txErrs: c('tx.errs'),
      txDrop: c('tx.drop'),
    });
  }
  return nets;
}

/** domstats' `balloon.*` names to those of libvirt's `virDomainMemoryStats`, which Nova's legacy form prefixes with `memory-`. */
const BALLOON_TO_MEMORY_STAT: Record<string, string> = { current: 'actual', 'last-update': 'last_update' };

/**
 * nova/virt/libvirt/driver.py `get_diagnostics` (the answer below 2.48) from `virsh domstats` and the domain
 * XML: `cpu<n>_time`, `<disk>_read_req|read|write_req|write|errors`, `<dev>_rx|rx_packets|rx_errors|rx_drop|tx|
 * tx_packets|tx_errors|tx_drop`, `memory` (the maximum, KiB), then `memory-<stat>` for each balloon figure.
 */
export function legacyDiagnostics(stats: Map<string, string>, interfaces: DomainInterface[], maxMemKb: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { id, time } of vcpuTimes(stats)) out[`cpu${id}_time`] = time;
  for (const b of blockCounters(stats)) {
    out[`${b.name}_read_req`] = b.rdReqs;
    out[`${b.name}_read`] = b.rdBytes;
    out[`${b.name}_write_req`] = b.wrReqs;
    out[`${b.name}_write`] = b.wrBytes;
    out[`${b.name}_errors`] = b.errors;
  }
  const nets = netCounters(stats);
  for (const { dev } of interfaces) {
    const n = dev === null ? undefined : nets.get(dev);
    if (!n) continue;
    Object.assign(out, {
      [`${dev}_rx`]: n.rxBytes,
      [`${dev}_rx_packets`]: n.rxPkts,
      [`${dev}_rx_errors`]: n.rxErrs,
      [`${dev}_rx_drop`]: n.rxDrop,
      [`${dev}_tx`]: n.txBytes,
      [`${dev}_tx_packets`]: n.txPkts,
      [`${dev}_tx_errors`]: n.txErrs,
      [`${dev}_tx_drop`]: n.txDrop,
    });
  }
  out.memory = maxMemKb;
  for (const [key, value] of stats) {
    const m = /^balloon\.(.+)$/.exec(key);
    if (!m || m[1] === 'maximum' || !/^-?\d+$/.test(value)) continue;
    out[`memory-${BALLOON_TO_MEMORY_STAT[m[1]] ?? m[1]}`] = Number(value);
  }
  return out;
}

/**
 * nova/virt/libvirt/driver.py `get_instance_diagnostics` (2.48) from `virsh dominfo`, `virsh domstats` and the
 * domain XML. Memory is in MiB, as the api-ref says: Nova divides libvirt's KiB by 2^20, which gives a
 * truncated GiB (0 for a 512 MB guest), a slip not worth copying.
 */
export function instanceDiagnostics(input: {
  info: Pick<DomainInfo, 'state' | 'maxMemKb' | 'memKb'>;
  stats: Map<string, string>;
  interfaces: DomainInterface[];
  hypervisor: string;
  uptime: number | null;
}): InstanceDiagnostics {
  const { info, stats } = input;
  const nets = netCounters(stats);
  const nicDetails: NicDiagnostics[] = input.interfaces.map(({ mac, dev }) => {
    const n = dev === null ? undefined : nets.get(dev);
    return {
      macAddress: mac,
      rxOctets: n?.rxBytes ?? null,
      rxErrors: n?.rxErrs ?? null,
      rxDrop: n?.rxDrop ?? null,
      rxPackets: n?.rxPkts ?? null,
      rxRate: null,
      txOctets: n?.txBytes ?? null,
      txErrors: n?.txErrs ?? null,
      txDrop: n?.txDrop ?? null,
      txPackets: n?.txPkts ?? null,
      txRate: null,
    };
  });
  const diskDetails: DiskDiagnostics[] = blockCounters(stats).map((b) => ({
    readBytes: b.rdBytes,
    readRequests: b.rdReqs,
    writeBytes: b.wrBytes,
    writeRequests: b.wrReqs,
    errorsCount: b.errors,
  }));
  return {
    state: powerStateName(info.state),
    driver: 'libvirt',
    hypervisor: input.hypervisor,
    hypervisorOs: 'linux',
    uptime: input.uptime,
    // Strata's libvirt guests are given no config drive (domain-xml.ts builds none).
    configDrive: false,
    memoryDetails: { maximum: Math.floor(info.maxMemKb / 1024), used: Math.floor(info.memKb / 1024) },
    cpuDetails: vcpuTimes(stats).map(({ id, time }) => ({ id, time, utilisation: null })),
    nicDetails,
    diskDetails,
  };
}
