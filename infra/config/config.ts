import * as path from 'node:path';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type ComputeDriverName = 'fake' | 'libvirt';
export type VolumeDriverName = 'file' | 'lvm';

/** Everything Strata reads from its environment, parsed and checked once (STYLE.md §10). */
export interface StrataConfig {
  /** `STRATA_PORT`: the one HTTP port of every API. */
  port: number;
  /** `STRATA_HOST`: the address the API listens on. */
  host: string;
  /** `STRATA_DATA_DIR`, absolute: embedded PostgreSQL, admin-openrc.sh, image and volume files. */
  dataDir: string;
  /** `STRATA_ADMIN_PASSWORD`; undefined means "generate one on first boot". */
  adminPassword: string | undefined;
  /** `STRATA_PUBLIC_URL` without a trailing slash: base URL advertised in the catalog. */
  publicUrl: string;
  /** `DATABASE_URL`; undefined means the embedded PostgreSQL of the data dir. */
  databaseUrl: string | undefined;
  /** `NATS_URL` (one server or a comma-separated list); undefined means the in-process bus. */
  natsUrl: string | undefined;
  /** `EVENTSTORE_URL`; when set, EventStoreDB holds the event log instead of PostgreSQL. */
  eventStoreUrl: string | undefined;
  /** `COMPUTE_DRIVER`. */
  computeDriver: ComputeDriverName;
  /** `VOLUME_DRIVER`. */
  volumeDriver: VolumeDriverName;
  /** `STRATA_FAKE_HOSTS`: host names the fake compute driver runs, or a count N for fake-1..fake-N (default 2). */
  fakeHosts: string[];
  /** `STRATA_FAKE_HOST_RESOURCES`: what each fake host offers, `vcpus=N,ram=MB,disk=GB` (default Nova's fake driver sizes). */
  fakeHostResources: string | undefined;
  /** `STRATA_FAKE_DELAY_MS`: time each fake driver operation takes (default 0). */
  fakeDelayMs: number;
  /** `STRATA_FAKE_FAIL`: injected fake driver failures, `operation:displayNameRegex[:times]`, comma-separated. */
  fakeFailures: string | undefined;
  /** `STRATA_AVAILABILITY_ZONE`: the zone this process's compute hosts are in (Nova's default `nova`). */
  availabilityZone: string;
  /** `STRATA_SERVICE_DOWN_TIME`: seconds without a report after which a compute host is down (Nova's service_down_time, 60). */
  serviceDownTimeSec: number;
  /** `STRATA_REPORT_INTERVAL`: seconds between a compute agent's liveness reports (Nova's report_interval, 10). */
  reportIntervalSec: number;
  /** `STRATA_LIBVIRT_URI`: the libvirt connection of COMPUTE_DRIVER=libvirt (Nova's `[libvirt] connection_uri`, default `qemu:///system`). */
  libvirtUri: string;
  /**
   * `STRATA_LIBVIRT_VIRT_TYPE`: `kvm` or `qemu` (TCG), Nova's `[libvirt] virt_type`; unset: `kvm`
   * when /dev/kvm is usable, else `qemu`. Set `qemu` where /dev/kvm is there but cannot run guests
   * (nested virtualisation that refuses the guest's CPU model).
   */
  libvirtVirtType: 'kvm' | 'qemu' | undefined;
  /** `STRATA_INSTANCES_PATH`, absolute: guests' disks, console logs and the image cache (Nova's `instances_path`; default `<data dir>/instances`). */
  instancesPath: string;
  /** `STRATA_COMPUTE_HOST`: the name of this process's libvirt compute host (Nova's `host`; default `compute-1`). */
  computeHost: string;
  /** `STRATA_SHUTDOWN_TIMEOUT`: seconds a guest gets to shut down cleanly (ACPI) on stop, resize and rebuild before the power is cut (Nova's `shutdown_timeout`, 60). */
  shutdownTimeoutSec: number;
  /** `STRATA_SOFT_REBOOT_TIMEOUT`: seconds a soft reboot may take before a hard one (Nova's `[libvirt] wait_soft_reboot_seconds`, 120). */
  softRebootTimeoutSec: number;
  /**
   * `STRATA_SHELVED_OFFLOAD_TIME`: Nova's `shelved_offload_time`. 0 (default): a shelved server leaves its host
   * at once; N seconds: it stays SHELVED on its host (its room held) for N seconds first; -1: until an admin's
   * shelveOffload.
   */
  shelvedOffloadTimeSec: number;
  /** `STRATA_SYNC_POWER_STATE_INTERVAL`: seconds between comparisons of the hypervisor's guests with Strata's (Nova's sync_power_state_interval; default 60). */
  syncPowerStateIntervalSec: number;
  /** `STRATA_LOG_LEVEL`. */
  logLevel: LogLevel;
}

/** A configuration value Strata cannot run with; the message says which variable to set and how. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  return optionalOneOf(env, name, allowed, `default ${fallback}`) ?? fallback;
}

/** One of `allowed`, or undefined when unset; `unset` says in the error what unset means. */
function optionalOneOf<T extends string>(env: Env, name: string, allowed: readonly T[], unset: string): T | undefined {
  const v = text(env, name);
  if (v === undefined) return undefined;
  const lower = v.toLowerCase() as T;
  if (!allowed.includes(lower)) throw new ConfigError(name, `"${v}" is not supported; set it to one of ${allowed.join(', ')} (${unset})`);
  return lower;
}

function port(env: Env, name: string, fallback: number): number {
  const v = text(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw new ConfigError(name, `"${v}" is not a TCP port; set it to an integer from 1 to 65535 (default ${fallback})`);
  return n;
}

function integer(env: Env, name: string, fallback: number, min: number): number {
  const v = text(env, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new ConfigError(name, `"${v}" is not an integer of at least ${min}; set it to one (default ${fallback})`);
  return Number(v);
}

/** Nova's `shelved_offload_time`: -1 (never by itself), 0 (at once) or seconds. */
function shelvedOffloadTime(env: Env): number {
  const name = 'STRATA_SHELVED_OFFLOAD_TIME';
  const v = text(env, name);
  if (v === undefined) return 0;
  if (v === '-1') return -1;
  if (!/^\d+$/.test(v)) throw new ConfigError(name, `"${v}" is neither -1 (never), 0 (at once) nor a number of seconds; set one of those (default 0)`);
  return Number(v);
}

function url(env: Env, name: string, protocols: string[], example: string): string | undefined {
  const v = text(env, name);
  if (v === undefined) return undefined;
  for (const one of v.split(',')) {
    let parsed: URL;
    try {
      parsed = new URL(one.trim());
    } catch {
      throw new ConfigError(name, `"${one}" is not a URL; set it like ${example}, or unset it`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `"${one}" must use ${protocols.map((p) => `${p}//`).join(' or ')}; set it like ${example}, or unset it`);
    }
  }
  return v;
}

/** A compute host name: it becomes part of NATS subjects. */
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

function hostName(env: Env, name: string, fallback: string): string {
  const v = text(env, name) ?? fallback;
  if (!HOST_NAME.test(v)) throw new ConfigError(name, `"${v}" is not a host name usable in a NATS subject; use letters, digits, "-" and "_"`);
  return v;
}

/** Parses the environment; throws a ConfigError naming the variable to fix. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): StrataConfig {
  const listenPort = port(env, 'STRATA_PORT', 8080);
  const dataDir = path.resolve(cwd, text(env, 'STRATA_DATA_DIR') ?? '.strata');
  const publicUrl = (url(env, 'STRATA_PUBLIC_URL', ['http:', 'https:'], 'https://cloud.example.com:8080') ?? `http://127.0.0.1:${listenPort}`).replace(/\/+$/, '');
  const adminPassword = env.STRATA_ADMIN_PASSWORD;
  if (adminPassword !== undefined && adminPassword.length === 0) {
    throw new ConfigError('STRATA_ADMIN_PASSWORD', 'is empty; set a password or unset it to have one generated on first boot');
  }
  const fakeHostsText = text(env, 'STRATA_FAKE_HOSTS') ?? '2';
  const fakeHosts = /^\d+$/.test(fakeHostsText)
    ? Array.from({ length: Number(fakeHostsText) }, (_, i) => `fake-${i + 1}`)
    : fakeHostsText
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean);
  for (const h of fakeHosts) {
    if (!HOST_NAME.test(h)) {
      throw new ConfigError('STRATA_FAKE_HOSTS', `"${h}" is not a host name usable in a NATS subject; use letters, digits, "-" and "_", comma-separated`);
    }
  }
  return {
    port: listenPort,
    host: text(env, 'STRATA_HOST') ?? '0.0.0.0',
    dataDir,
    adminPassword,
    publicUrl,
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], 'postgres://user:password@db.example.com:5432/strata'),
    natsUrl: url(env, 'NATS_URL', ['nats:', 'tls:', 'ws:', 'wss:'], 'nats://127.0.0.1:4222'),
    eventStoreUrl: url(env, 'EVENTSTORE_URL', ['esdb:', 'esdb+discover:'], 'esdb://127.0.0.1:2113?tls=false'),
    computeDriver: oneOf(env, 'COMPUTE_DRIVER', ['fake', 'libvirt'] as const, 'fake'),
    volumeDriver: oneOf(env, 'VOLUME_DRIVER', ['file', 'lvm'] as const, 'file'),
    fakeHosts,
    fakeHostResources: text(env, 'STRATA_FAKE_HOST_RESOURCES'),
    fakeDelayMs: integer(env, 'STRATA_FAKE_DELAY_MS', 0, 0),
    fakeFailures: text(env, 'STRATA_FAKE_FAIL'),
    availabilityZone: text(env, 'STRATA_AVAILABILITY_ZONE') ?? 'nova',
    serviceDownTimeSec: integer(env, 'STRATA_SERVICE_DOWN_TIME', 60, 1),
    reportIntervalSec: integer(env, 'STRATA_REPORT_INTERVAL', 10, 1),
    libvirtUri: text(env, 'STRATA_LIBVIRT_URI') ?? 'qemu:///system',
    libvirtVirtType: optionalOneOf(env, 'STRATA_LIBVIRT_VIRT_TYPE', ['kvm', 'qemu'] as const, 'unset: kvm when /dev/kvm is usable'),
    instancesPath: path.resolve(cwd, text(env, 'STRATA_INSTANCES_PATH') ?? path.join(dataDir, 'instances')),
    computeHost: hostName(env, 'STRATA_COMPUTE_HOST', 'compute-1'),
    syncPowerStateIntervalSec: integer(env, 'STRATA_SYNC_POWER_STATE_INTERVAL', 60, 1),
    shutdownTimeoutSec: integer(env, 'STRATA_SHUTDOWN_TIMEOUT', 60, 0),
    softRebootTimeoutSec: integer(env, 'STRATA_SOFT_REBOOT_TIMEOUT', 120, 0),
    shelvedOffloadTimeSec: shelvedOffloadTime(env),
    logLevel: oneOf(env, 'STRATA_LOG_LEVEL', ['error', 'warn', 'info', 'debug'] as const, 'info'),
  };
}

/** A URL safe to print: the password is masked. */
export function redactUrl(value: string): string {
  return value
    .split(',')
    .map((one) => {
      try {
        const u = new URL(one.trim());
        if (u.password) u.password = '***';
        return u.toString();
      } catch {
        return one;
      }
    })
    .join(',');
}
