/** nova/compute/vm_states.py */
export type VmState = 'building' | 'active' | 'stopped' | 'paused' | 'suspended' | 'resized' | 'rescued' | 'error' | 'deleted' | 'soft-delete' | 'shelved' | 'shelved_offloaded';

/** nova/compute/task_states.py (the ones Strata reaches). */
export type TaskState =
  | 'scheduling'
  | 'block_device_mapping'
  | 'networking'
  | 'spawning'
  | 'deleting'
  | 'powering-off'
  | 'powering-on'
  | 'rebooting'
  | 'rebooting_hard'
  | 'pausing'
  | 'unpausing'
  | 'suspending'
  | 'resuming'
  | 'rebuilding'
  | 'resize_prep'
  | 'resize_migrating'
  | 'resize_migrated'
  | 'resize_finish'
  | 'resize_reverting'
  | 'resize_confirming'
  | 'image_snapshot_pending'
  | 'shelving'
  | 'shelving_offloading'
  | 'unshelving';

/** nova/compute/power_state.py */
export const POWER = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;
export type PowerState = (typeof POWER)[keyof typeof POWER];

/** nova/api/openstack/common.py `_STATE_MAP`: the API's `status` from vm_state and task_state. */
const STATE_MAP: Record<VmState, Partial<Record<TaskState | 'default', string>>> = {
  active: {
    default: 'ACTIVE',
    rebooting: 'REBOOT',
    rebooting_hard: 'HARD_REBOOT',
    rebuilding: 'REBUILD',
    resize_prep: 'RESIZE',
    resize_migrating: 'RESIZE',
    resize_migrated: 'RESIZE',
    resize_finish: 'RESIZE',
  },
  building: { default: 'BUILD' },
  stopped: { default: 'SHUTOFF', resize_prep: 'RESIZE', resize_migrating: 'RESIZE', resize_migrated: 'RESIZE', resize_finish: 'RESIZE', rebuilding: 'REBUILD' },
  resized: { default: 'VERIFY_RESIZE', resize_reverting: 'REVERT_RESIZE' },
  paused: { default: 'PAUSED' },
  suspended: { default: 'SUSPENDED' },
  rescued: { default: 'RESCUE' },
  error: { default: 'ERROR', rebuilding: 'REBUILD' },
  deleted: { default: 'DELETED' },
  'soft-delete': { default: 'SOFT_DELETED' },
  shelved: { default: 'SHELVED' },
  shelved_offloaded: { default: 'SHELVED_OFFLOADED' },
};

export function serverStatus(vmState: VmState, taskState: TaskState | null): string {
  const byTask = STATE_MAP[vmState];
  return (taskState !== null ? byTask[taskState] : undefined) ?? byTask.default ?? 'UNKNOWN';
}

/** The API statuses a `status` filter may name (nova/api/openstack/common.py `task_and_vm_state_from_status`). */
export function statesForStatus(status: string): { vmStates: VmState[]; taskStates: (TaskState | null)[] | 'any' } | null {
  const wanted = status.toUpperCase();
  const vmStates: VmState[] = [];
  const taskStates = new Set<TaskState | null>();
  let anyTask = false;
  for (const [vm, byTask] of Object.entries(STATE_MAP) as [VmState, Partial<Record<TaskState | 'default', string>>][]) {
    for (const [task, mapped] of Object.entries(byTask)) {
      if (mapped !== wanted) continue;
      if (!vmStates.includes(vm)) vmStates.push(vm);
      if (task === 'default') anyTask = true;
      else taskStates.add(task as TaskState);
    }
  }
  if (vmStates.length === 0) return null;
  return { vmStates, taskStates: anyTask ? 'any' : [...taskStates] };
}
