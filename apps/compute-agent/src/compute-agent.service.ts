import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import { HostAllocation } from '../../../domain/compute';
import { StrataConfig } from '../../../infra/config';
import {
  ComputeDriver,
  FakeComputeDriver,
  FAKE_ALLOCATION_RATIO_DEFAULTS,
  LIBVIRT_ALLOCATION_RATIO_DEFAULTS,
  LibvirtComputeDriver,
  parseFakeFailures,
  parseFakeResources,
} from '../../../infra/hypervisor';
import { Bus } from '../../../infra/messaging/bus';
import { BUS, DATABASE_URL, STRATA_CONFIG } from '../../shared/src/runtime.tokens';
import { imageBlobStore } from '../../shared/src/image-blobs';
import { BlobImageSource } from './blob-image-source';
import { ComputeHostAgent } from './compute-host-agent';

/** nova/conf: the driver's allocation ratios and reserved_host_memory_mb (512). */
function allocation(ratios: { vcpus: number; memoryMb: number; localGb: number }): HostAllocation {
  return {
    cpuAllocationRatio: ratios.vcpus,
    ramAllocationRatio: ratios.memoryMb,
    diskAllocationRatio: ratios.localGb,
    reservedHostMemoryMb: 512,
    reservedHostDiskMb: 0,
    reservedHostCpus: 0,
  };
}

/**
 * Runs work orders on this process's compute hosts through a ComputeDriver: with the fake driver,
 * one agent per fake host (STRATA_FAKE_HOSTS), each with its own in-memory hypervisor; with the
 * libvirt driver, one agent for this machine's libvirtd (STRATA_COMPUTE_HOST, STRATA_LIBVIRT_URI),
 * booting images from Strata's image blob store into STRATA_INSTANCES_PATH.
 */
@Injectable()
export class ComputeAgentService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('compute-agent');
  private readonly agents: ComputeHostAgent[] = [];
  private pool: Pool | null = null;

  constructor(
    @Inject(STRATA_CONFIG) private readonly config: StrataConfig,
    @Inject(BUS) private readonly bus: Bus,
    @Optional() @Inject(DATABASE_URL) private readonly databaseUrl: string | undefined,
  ) {}

  private drivers(): { host: string; driver: ComputeDriver; allocation: HostAllocation }[] {
    if (this.config.computeDriver === 'libvirt') {
      if (!this.databaseUrl) throw new Error('COMPUTE_DRIVER=libvirt reads image locations from the PostgreSQL read models: set DATABASE_URL (or run the all-in-one)');
      this.pool = new Pool({ connectionString: this.databaseUrl, max: 2 });
      this.pool.on('error', () => undefined);
      const images = new BlobImageSource(this.pool, imageBlobStore(this.config.dataDir));
      const host = this.config.computeHost;
      const driver = new LibvirtComputeDriver({
        hostname: host,
        instancesPath: this.config.instancesPath,
        imageSource: images,
        uri: this.config.libvirtUri,
        domainType: this.config.libvirtVirtType,
        cleanShutdownTimeoutSec: this.config.shutdownTimeoutSec,
        softRebootTimeoutSec: this.config.softRebootTimeoutSec,
      });
      return [{ host, driver, allocation: allocation(LIBVIRT_ALLOCATION_RATIO_DEFAULTS) }];
    }
    const resources = this.config.fakeHostResources ? parseFakeResources(this.config.fakeHostResources) : {};
    const failures = this.config.fakeFailures ? parseFakeFailures(this.config.fakeFailures) : [];
    // STRATA_FAKE_FAIL's counts are for the process: `spawn:^x-:1` fails the first spawn of x-*, on whichever host.
    const sharedFailureBudgets = new Map();
    return this.config.fakeHosts.map((host) => ({
      host,
      driver: new FakeComputeDriver({ hostname: host, ...resources, delayMs: this.config.fakeDelayMs, failures, sharedFailureBudgets }),
      allocation: allocation(FAKE_ALLOCATION_RATIO_DEFAULTS),
    }));
  }

  async onApplicationBootstrap(): Promise<void> {
    const log = { info: (m: string) => this.logger.log(m), warn: (m: string) => this.logger.warn(m) };
    for (const { host, driver, allocation } of this.drivers()) {
      const agent = new ComputeHostAgent({
        host,
        driver,
        bus: this.bus,
        blobs: imageBlobStore(this.config.dataDir),
        availabilityZone: this.config.availabilityZone,
        allocation,
        reportIntervalMs: this.config.reportIntervalSec * 1000,
        syncPowerStateIntervalMs: this.config.syncPowerStateIntervalSec * 1000,
        shutdownTimeoutSec: this.config.shutdownTimeoutSec,
        log,
      });
      await agent.start();
      this.agents.push(agent);
    }
    this.logger.log(`compute agent started: driver ${this.config.computeDriver}, hosts [${this.agents.map((a) => a.host).join(', ')}]`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop()));
    await this.pool?.end().catch(() => undefined);
    this.logger.log('compute agent stopped');
  }
}
