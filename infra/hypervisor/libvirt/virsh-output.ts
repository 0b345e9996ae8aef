import { POWER_STATE, PowerState } from '../compute-driver';

/** `Key:   value` lines, as `virsh dominfo` and `virsh nodeinfo` print them in the C locale. */
export function parseKeyValueLines(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return fields;
}

/**
 * virsh's state names to Nova's power states (nova/virt/libvirt/guest.py `LIBVIRT_POWER_STATE`), with a
 * shut-off domain that has a managed save image shown SUSPENDED, as Nova shows a suspended server.
 */
export function powerStateOf(virshState: string, hasManagedSave: boolean): PowerState {
  switch (virshState) {
    case 'running':
    case 'idle': // VIR_DOMAIN_BLOCKED
      return POWER_STATE.RUNNING;
    case 'paused':
      return POWER_STATE.PAUSED;
    case 'in shutdown':
      return POWER_STATE.SHUTDOWN;
    case 'shut off':
      return hasManagedSave ? POWER_STATE.SUSPENDED : POWER_STATE.SHUTDOWN;
    case 'crashed':
      return POWER_STATE.CRASHED;
    case 'pmsuspended':
      return POWER_STATE.SUSPENDED;
    default:
      return POWER_STATE.NOSTATE;
  }
}

export interface DomainInfo {
  virshState: string;
  state: PowerState;
  /** A qemu process exists for the domain (running, paused, in shutdown, crashed but kept, pmsuspended). */
  active: boolean;
  hasManagedSave: boolean;
  numCpu: number;
  maxMemKb: number;
  memKb: number;
}

const kib = (value: string | undefined): number => {
  const m = /^(\d+)\s*KiB$/.exec(value ?? '');
  return m ? Number(m[1]) : 0;
};

export function parseDominfo(text: string): DomainInfo {
  const fields = parseKeyValueLines(text);
  const virshState = fields.get('State') ?? 'no state';
  const hasManagedSave = fields.get('Managed save') === 'yes';
  const id = fields.get('Id') ?? '-';
  return {
    virshState,
    state: powerStateOf(virshState, hasManagedSave),
    active: id !== '-' && id !== '',
    hasManagedSave,
    numCpu: Number(fields.get('CPU(s)') ?? 0),
    maxMemKb: kib(fields.get('Max memory')),
    memKb: kib(fields.get('Used memory')),
  };
}

/** `cpu.time` of `virsh domstats --cpu-total`, in ns; 0 for a domain without a running process. */
export function parseCpuTimeNs(domstats: string): number {
  const m = /^\s*cpu\.time=(\d+)\s*$/m.exec(domstats);
  return m ? Number(m[1]) : 0;
}

/** Nova's integer form of a version (oslo `convert_version_to_int`): 7.2.22 is 7002022. */
export function versionToInt(version: string): number {
  const parts = version.split('.').map(Number);
  if (parts.length === 0 || parts.some((p) => !Number.isSafeInteger(p) || p < 0)) throw new RangeError(`not a version: ${version}`);
  return parts.reduce((sum, part) => sum * 1000 + part, 0) * 1000 ** Math.max(0, 3 - parts.length);
}

/** The hypervisor's version from `virsh version`'s "Running hypervisor: QEMU 7.2.22". */
export function parseHypervisorVersion(text: string): { type: string; version: number } {
  const m = /^Running hypervisor:\s*(\S+)\s+(\d+(?:\.\d+)*)\s*$/m.exec(text);
  if (!m) throw new Error(`virsh version did not name the running hypervisor: ${text.trim()}`);
  return { type: m[1], version: versionToInt(m[2]) };
}

export interface NodeInfo {
  cpuArch: string;
  vcpus: number;
  memoryMb: number;
  topology: { sockets: number; cores: number; threads: number };
}

export function parseNodeinfo(text: string): NodeInfo {
  const fields = parseKeyValueLines(text);
  const number = (key: string) => Number(fields.get(key) ?? 0);
  return {
    cpuArch: fields.get('CPU model') ?? '',
    vcpus: number('CPU(s)'),
    memoryMb: Math.floor(kib(fields.get('Memory size')) / 1024),
    topology: { sockets: number('CPU socket(s)'), cores: number('Core(s) per socket'), threads: number('Thread(s) per core') },
  };
}

/** Nova's `cpu_info` from the `<host><cpu>` of `virsh capabilities`: arch, model, vendor, topology, features. */
export function parseHostCpu(capabilities: string): Record<string, unknown> {
  const cpu = /<host>[\s\S]*?<cpu>([\s\S]*?)<\/cpu>/.exec(capabilities)?.[1] ?? '';
  const text = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(cpu)?.[1] ?? null;
  const topology = /<topology\s([^>]*)\/>/.exec(cpu)?.[1] ?? '';
  const attr = (name: string) => Number(new RegExp(`\\b${name}=['"](\\d+)['"]`).exec(topology)?.[1] ?? 0);
  const features = [...cpu.matchAll(/<feature\s+name=['"]([^'"]+)['"]/g)].map((m) => m[1]);
  return {
    arch: text('arch'),
    model: text('model'),
    vendor: text('vendor'),
    topology: { sockets: attr('sockets'), cores: attr('cores'), threads: attr('threads') },
    features,
  };
}
