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
export { LIBVIRT_ALLOCATION_RATIO_DEFAULTS, LibvirtComputeDriver, detectDomainType } from './libvirt/libvirt-compute-driver';
export type { LibvirtAllocationRatios, LibvirtComputeDriverOptions } from './libvirt/libvirt-compute-driver';
export type { ImageBytes, ImageChecksum, ImageChecksumAlgorithm, ImageSource } from './libvirt/image-source';
export { ImageRejected } from './libvirt/image-cache';
export { STRATA_METADATA_NAMESPACE, buildDomainXml, parseInstanceMetadata } from './libvirt/domain-xml';
export type { DomainType, DomainXmlInput, StoredInstanceMetadata } from './libvirt/domain-xml';
