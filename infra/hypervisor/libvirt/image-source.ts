/** Glance's `os_hash_algo` values (sha512 by default) and the legacy `checksum` (md5). */
export type ImageChecksumAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface ImageChecksum {
  algo: ImageChecksumAlgorithm;
  /** Hex digest, as Glance's `os_hash_value` / `checksum` carry it. */
  value: string;
}

/** The bytes of one image as the host downloads them, with what Glance says they should be. */
export interface ImageBytes {
  stream: NodeJS.ReadableStream | AsyncIterable<Uint8Array>;
  /** Verified after the download; an image without one is taken as it comes. */
  checksum?: ImageChecksum;
  /** Glance's `disk_format` (`qcow2`, `raw`, `vmdk`, `vdi`, `vhd`, `vhdx`, `iso`, `ploop`...); null lets qemu-img probe. */
  diskFormat: string | null;
}

/**
 * Where the libvirt driver gets an image's bytes from (the compute agent serves them from Strata's blob
 * store). Called once per image and host: the driver keeps what it fetched in its image cache.
 */
export interface ImageSource {
  fetch(imageId: string): Promise<ImageBytes>;
}
