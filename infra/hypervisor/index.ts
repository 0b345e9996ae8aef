export * from './compute-driver';
export { FAKE_ALLOCATION_RATIO_DEFAULTS, FAKE_HOST_DEFAULTS, FakeComputeDriver, parseFakeFailures, parseFakeResources } from './fake/fake-compute-driver';
export type {
  FailableOperation,
  FailureRule,
  FakeAllocationRatios,
  FakeComputeDriverOptions,
  FakeHostResources,
  FakeInstanceView,
  FakeVolumeAttachment,
} from './fake/fake-compute-driver';
