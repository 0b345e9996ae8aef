import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HostAllocation } from '../../../domain/compute';
import { StrataConfig } from '../../../infra/config';
import { ComputeDriver, FakeComputeDriver, FAKE_ALLOCATION_RATIO_DEFAULTS, parseFakeFailures, parseFakeResources } from '../../../infra/hypervisor';
import { Bus } from '../../../infra/messaging/bus';
import { BUS, STRATA_CONFIG } from '../../shared/src/runtime.tokens';
import { ComputeHostAgent } from './compute-host-agent';

/** nova/conf: initial allocation ratios and reserved_host_memory_mb (512). */
const ALLOCATION: HostAllocation = {
  cpuAllocationRatio: FAKE_ALLOCATION_RATIO_DEFAULTS.vcpus,
  ramAllocationRatio: FAKE_ALLOCATION_RATIO_DEFAULTS.memoryMb,
  diskAllocationRatio: FAKE_ALLOCATION_RATIO_DEFAULTS.localGb,
  reservedHostMemoryMb: 512,
  reservedHostDiskMb: 0,
  reservedHostCpus: 0,
};

/**
 * Runs work orders on this process's compute hosts through a ComputeDriver: with the fake driver,
 * one agent per fake host (STRATA_FAKE_HOSTS), each with its own in-memory hypervisor.
 */
@Injectable()
export class ComputeAgentService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('compute-agent');
  private readonly agents: ComputeHostAgent[] = [];

  constructor(
    @Inject(STRATA_CONFIG) private readonly config: StrataConfig,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  private drivers(): { host: string; driver: ComputeDriver }[] {
    if (this.config.computeDriver !== 'fake') {
      throw new Error(`COMPUTE_DRIVER=${this.config.computeDriver} is not available in this build yet; use COMPUTE_DRIVER=fake`);
    }
    const resources = this.config.fakeHostResources ? parseFakeResources(this.config.fakeHostResources) : {};
    const failures = this.config.fakeFailures ? parseFakeFailures(this.config.fakeFailures) : [];
    // STRATA_FAKE_FAIL's counts are for the process: `spawn:^x-:1` fails the first spawn of x-*, on whichever host.
    const sharedFailureBudgets = new Map();
    return this.config.fakeHosts.map((host) => ({
      host,
      driver: new FakeComputeDriver({ hostname: host, ...resources, delayMs: this.config.fakeDelayMs, failures, sharedFailureBudgets }),
    }));
  }

  async onApplicationBootstrap(): Promise<void> {
    const log = { info: (m: string) => this.logger.log(m), warn: (m: string) => this.logger.warn(m) };
    for (const { host, driver } of this.drivers()) {
      const agent = new ComputeHostAgent({
        host,
        driver,
        bus: this.bus,
        availabilityZone: this.config.availabilityZone,
        allocation: ALLOCATION,
        reportIntervalMs: this.config.reportIntervalSec * 1000,
        log,
      });
      await agent.start();
      this.agents.push(agent);
    }
    this.logger.log(`compute agent started: driver ${this.config.computeDriver}, hosts [${this.agents.length ? this.config.fakeHosts.join(', ') : ''}]`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop()));
    this.logger.log('compute agent stopped');
  }
}
