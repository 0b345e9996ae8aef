import { POWER } from '../../../../../domain/compute';
import { NovaError } from '../nova-errors';
import { diagnosticsRefusal, diagnosticsView } from './server-diagnostics.controller';

const id = '8273741b-6be1-425a-aa3a-0a940b0ec1c8';

describe('os-server-diagnostics answers', () => {
  it("words an agent's refusal as Nova's API: 409 naming the recorded power state, 501 for a driver without diagnostics", () => {
    const stopped = diagnosticsRefusal({ id, power_state: POWER.SHUTDOWN }, { ok: false, refusal: 'not-running', message: 'x' });
    expect(stopped).toEqual(new NovaError(409, `Cannot 'get_diagnostics' instance ${id} while it is in power state shutdown`));
    expect((stopped as NovaError).status).toBe(409);
    const building = diagnosticsRefusal({ id, power_state: POWER.NOSTATE }, { ok: false, refusal: 'not-running', message: 'x' });
    expect(building.message).toBe(`Cannot 'get_diagnostics' instance ${id} while it is in power state pending`);
    const unsupported = diagnosticsRefusal({ id, power_state: POWER.RUNNING }, { ok: false, refusal: 'not-supported', message: 'x' });
    expect(unsupported).toMatchObject({ status: 501, message: 'The requested functionality is not supported.' });
    // Anything else is the API's 500 (Nova's unexpected error), not a fault of the client's.
    expect(diagnosticsRefusal({ id, power_state: POWER.RUNNING }, { ok: false, refusal: 'failed', message: 'virsh died' })).not.toBeInstanceOf(NovaError);
  });

  it('counts the cpus, nics and disks and leaves an unset field null', () => {
    const view = diagnosticsView({
      state: 'running',
      driver: 'libvirt',
      hypervisor: 'qemu',
      hypervisorOs: null,
      uptime: null,
      configDrive: false,
      memoryDetails: { maximum: 128, used: null },
      cpuDetails: [
        { id: 0, time: 5, utilisation: null },
        { id: 1, time: 6, utilisation: null },
      ],
      nicDetails: [],
      diskDetails: [{ readBytes: 1, readRequests: 2, writeBytes: 3, writeRequests: 4, errorsCount: -1 }],
    });
    expect(view).toEqual({
      state: 'running',
      driver: 'libvirt',
      hypervisor: 'qemu',
      hypervisor_os: null,
      uptime: null,
      config_drive: false,
      num_cpus: 2,
      num_nics: 0,
      num_disks: 1,
      disk_details: [{ read_bytes: 1, read_requests: 2, write_bytes: 3, write_requests: 4, errors_count: -1 }],
      cpu_details: [
        { id: 0, time: 5, utilisation: null },
        { id: 1, time: 6, utilisation: null },
      ],
      nic_details: [],
      memory_details: { maximum: 128, used: null },
    });
  });
});
