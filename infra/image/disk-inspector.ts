import { ExecFileException, execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import * as path from 'node:path';

/** What a disk image's bytes are, as qemu-img probes them: never from the format a client declared. */
export interface DiskInspection {
  /** qemu-img's format name: raw, qcow2, vmdk, vpc (VHD), vhdx, vdi, qed, luks, parallels, ... */
  format: string;
  /** Bytes the guest sees (Glance `virtual_size`); for raw, the file's length. */
  virtualSize: number;
  /** As written in the image's header; qemu-img does not open it. */
  backingFile?: string | null;
  /** A qcow2's external data file: its guest data lives in a file the image names. */
  dataFile?: string | null;
  /** A vmdk's `createType`: monolithicSparse and streamOptimized keep every extent inside the file. */
  vmdkCreateType?: string | null;
  /** Formats qemu's probe does not tell from raw, recognised by their own signatures; only for `format: 'raw'`. */
  rawSignatures?: RawSignature[];
}

/** Named by Glance disk_format. A fixed VHD is raw data plus a 512-byte footer at its end, which qemu probes as raw. */
export type RawSignature = { format: 'iso' } | { format: 'vhd'; virtualSize: number };

export interface DiskInspector {
  /** Rejects with `DiskInspectionFailed` when the bytes are no image qemu-img can read, `DiskInspectorUnavailable` when it cannot run. */
  inspect(file: string, options?: { signal?: AbortSignal }): Promise<DiskInspection>;
}

/** Base of the inspector's typed failures; `code` is stable, the image API maps it to Glance's answers. */
export abstract class DiskInspectionError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A deployment fault (HTTP 500), not the uploader's: the host lacks qemu-img or cannot execute it. */
export class DiskInspectorUnavailable extends DiskInspectionError {
  readonly code = 'DiskInspectorUnavailable';
  constructor(
    readonly binary: string,
    detail: string,
  ) {
    super(`Cannot run ${binary} (${detail}); install it with the Debian package qemu-utils (apt-get install qemu-utils)`);
  }
}

/** The bytes are no disk image qemu-img can read, or reading them ran past its limits: Glance answers 400. */
export class DiskInspectionFailed extends DiskInspectionError {
  readonly code = 'DiskInspectionFailed';
  constructor(
    readonly file: string,
    /** qemu-img's complaint, with the file's path taken out so it can reach the client. */
    readonly reason: string,
    readonly stderr = '',
  ) {
    super(`qemu-img cannot read the image data: ${reason}`);
  }
}

export interface QemuImgInspectorOptions {
  /** Default `qemu-img` (Debian package qemu-utils), looked up on the PATH. */
  binary?: string;
  /** Wall-clock bound, default 60 s: the CPU limit does not cover a read stalled on slow storage. */
  timeoutMs?: number;
  /** util-linux `prlimit`, default `prlimit`; when it is missing, or with `false`, qemu-img runs unbounded. */
  prlimit?: string | false;
}

/** nova/virt/images.py QEMU_IMG_LIMITS: a crafted header must not make qemu-img eat the host. */
const ADDRESS_SPACE_BYTES = 1024 ** 3;
const CPU_SECONDS = 30;
const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Exit status of prlimit when it cannot execute the command it was given. */
const PRLIMIT_CANNOT_EXECUTE = new Set([126, 127]);

/** ECMA-119 and ECMA-167 both start the volume descriptors at byte 32768; the identifier follows a type byte. */
const VOLUME_IDENTIFIER_OFFSET = 0x8001;
/** ISO 9660 (also UDF bridge discs), and the first descriptor of a UDF-only disc. */
const VOLUME_IDENTIFIERS = new Set(['CD001', 'BEA01']);
const VHD_FOOTER_BYTES = 512;
const VHD_FIXED_DISK = 2;

interface Outcome {
  error: ExecFileException | null;
  stdout: string;
  stderr: string;
}

/**
 * `qemu-img info --output=json` without `-f`, so qemu probes the real format whatever the client
 * declared, and with `--force-share` so an image another process holds open can still be read.
 */
export class QemuImgInspector implements DiskInspector {
  readonly binary: string;
  private readonly timeoutMs: number;
  /** Dropped to false the first time it turns out to be missing. */
  private prlimit: string | false;

  constructor(options: QemuImgInspectorOptions = {}) {
    this.binary = options.binary ?? 'qemu-img';
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.prlimit = options.prlimit ?? 'prlimit';
  }

  async inspect(file: string, options: { signal?: AbortSignal } = {}): Promise<DiskInspection> {
    // Absolute, so qemu-img can take neither a leading '-' for an option nor a 'json:' or 'nbd:' prefix for a protocol.
    const target = path.resolve(file);
    const stdout = await this.qemuImg(['info', '--output=json', '--force-share', target], target, options.signal);
    const found = parseInfo(stdout, target);
    if (found.format === 'raw') found.rawSignatures = await rawSignatures(target);
    return found;
  }

  private async qemuImg(args: string[], target: string, signal: AbortSignal | undefined): Promise<string> {
    signal?.throwIfAborted();
    if (this.prlimit !== false) {
      const limits = [`--as=${ADDRESS_SPACE_BYTES}`, `--cpu=${CPU_SECONDS}`];
      const outcome = await this.run(this.prlimit, [...limits, '--', this.binary, ...args], signal);
      if (outcome.error?.code !== 'ENOENT') {
        if (typeof outcome.error?.code === 'number' && PRLIMIT_CANNOT_EXECUTE.has(outcome.error.code)) {
          throw new DiskInspectorUnavailable(this.binary, outcome.stderr.trim() || `prlimit exited with ${outcome.error.code}`);
        }
        return this.settle(outcome, target, signal);
      }
      this.prlimit = false;
    }
    const outcome = await this.run(this.binary, args, signal);
    if (outcome.error?.syscall?.startsWith('spawn')) throw new DiskInspectorUnavailable(this.binary, outcome.error.message);
    return this.settle(outcome, target, signal);
  }

  private run(command: string, args: string[], signal: AbortSignal | undefined): Promise<Outcome> {
    return new Promise((resolve) => {
      execFile(
        command,
        args,
        { encoding: 'utf8', timeout: this.timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES, signal },
        (error, stdout, stderr) => resolve({ error, stdout, stderr }),
      );
    });
  }

  private settle({ error, stdout, stderr }: Outcome, target: string, signal: AbortSignal | undefined): string {
    if (!error) return stdout;
    if (signal?.aborted) throw signal.reason;
    const fail = (reason: string) => new DiskInspectionFailed(target, reason, stderr);
    if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') throw fail(`qemu-img printed more than ${MAX_OUTPUT_BYTES} bytes`);
    if (error.killed) throw fail(`qemu-img did not finish within ${this.timeoutMs} ms`);
    if (error.signal === 'SIGXCPU') throw fail(`qemu-img ran past its limit of ${CPU_SECONDS} s of CPU time`);
    if (error.signal) throw fail(`qemu-img was killed by ${error.signal}`);
    throw fail(withoutPath(stderr, target) || `qemu-img exited with ${error.code}`);
  }
}

function withoutPath(stderr: string, target: string): string {
  return stderr.trim().replace(/^qemu-img: /, '').split(target).join('image');
}

function parseInfo(stdout: string, target: string): DiskInspection {
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(stdout);
  } catch {
    throw new DiskInspectionFailed(target, 'qemu-img printed no JSON', stdout);
  }
  const format = info['format'];
  const virtualSize = info['virtual-size'];
  if (typeof format !== 'string' || !Number.isSafeInteger(virtualSize) || (virtualSize as number) < 0) {
    throw new DiskInspectionFailed(target, `qemu-img reported no usable format and virtual size (${JSON.stringify({ format, virtualSize })})`, stdout);
  }
  const specific = info['format-specific'] as { data?: Record<string, unknown> } | undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    format,
    virtualSize: virtualSize as number,
    backingFile: text(info['backing-filename']) ?? text(info['full-backing-filename']),
    dataFile: text(specific?.data?.['data-file']),
    ...(format === 'vmdk' && { vmdkCreateType: text(specific?.data?.['create-type']) }),
  };
}

async function rawSignatures(file: string): Promise<RawSignature[]> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const read = async (length: number, position: number) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    };
    const found: RawSignature[] = [];
    if (size >= VOLUME_IDENTIFIER_OFFSET + 5 && VOLUME_IDENTIFIERS.has((await read(5, VOLUME_IDENTIFIER_OFFSET)).toString('latin1'))) {
      found.push({ format: 'iso' });
    }
    if (size >= VHD_FOOTER_BYTES) {
      const footer = await read(VHD_FOOTER_BYTES, size - VHD_FOOTER_BYTES);
      const currentSize = footer.readBigUInt64BE(48);
      if (footer.toString('latin1', 0, 8) === 'conectix' && footer.readUInt32BE(60) === VHD_FIXED_DISK && currentSize <= BigInt(size - VHD_FOOTER_BYTES)) {
        found.push({ format: 'vhd', virtualSize: Number(currentSize) });
      }
    }
    return found;
  } finally {
    await handle.close();
  }
}

/** The qemu-img format each Glance disk_format must probe as; ploop, ami, ari and aki are not checked. */
const QEMU_FORMAT_OF: Record<string, string | null> = {
  qcow2: 'qcow2',
  raw: 'raw',
  vmdk: 'vmdk',
  vhd: 'vpc',
  vhdx: 'vhdx',
  vdi: 'vdi',
  iso: 'raw',
  ploop: null,
  ami: null,
  ari: null,
  aki: null,
};

const DISK_FORMAT_OF: Record<string, string> = { qcow2: 'qcow2', raw: 'raw', vmdk: 'vmdk', vpc: 'vhd', vhdx: 'vhdx', vdi: 'vdi', parallels: 'ploop' };

const hasSignature = (found: DiskInspection, format: RawSignature['format']) =>
  found.format === 'raw' && (found.rawSignatures ?? []).some((s) => s.format === format);

const described = (format: string) => (format === 'vpc' ? 'vpc (VHD)' : format);

/**
 * Null when the bytes agree with the declared Glance disk_format, else the message for Glance's 400.
 * Anything declared raw must probe as raw: bytes that are really qcow2 would be opened as qcow2 by
 * the next consumer that probes them (OSSA-2024-001), with whatever backing or data file they name.
 */
export function diskFormatMismatch(declared: string, found: DiskInspection): string | null {
  const expected = QEMU_FORMAT_OF[declared];
  if (expected === undefined) return `Image disk_format ${declared} is not one of ${Object.keys(QEMU_FORMAT_OF).join(', ')}.`;
  if (expected === null) return null;
  if (declared === 'vhd' && hasSignature(found, 'vhd')) return null;
  if (found.format === expected) {
    if (declared !== 'iso' || hasSignature(found, 'iso')) return null;
    return "Image disk_format iso does not match the data, which has no ISO 9660 or UDF volume descriptor (qemu-img reads it as raw); set the image's disk_format to raw and upload it again.";
  }
  const mismatch = `Image disk_format ${declared} does not match the data, which qemu-img reads as ${described(found.format)}`;
  const suggested = hasSignature(found, 'iso') ? 'iso' : DISK_FORMAT_OF[found.format];
  if (suggested) return `${mismatch}; set the image's disk_format to ${suggested} and upload it again.`;
  return `${mismatch}, a format Glance does not take; convert it with "qemu-img convert -O qcow2" and upload the result as qcow2.`;
}

/** vmdk create types whose extents all live in the one file (Glance's default `vmdk_allowed_types`). */
const SELF_CONTAINED_VMDK = new Set(['monolithicSparse', 'streamOptimized']);

/**
 * Null when the image names no other file, else the message for Glance's 400: a backing file, a
 * qcow2 data file (OSSA-2024-001) or a vmdk extent outside the image (OSSA-2023-002, CVE-2022-47951)
 * would make the host that boots it read a file of the uploader's choosing.
 */
export function unsafeImage(found: DiskInspection): string | null {
  const flatten = `flatten it with "qemu-img convert -O ${DISK_FORMAT_OF[found.format] === found.format ? found.format : 'qcow2'}" and upload the result`;
  if (found.backingFile) {
    return `Image data is a ${described(found.format)} image with a backing file (${JSON.stringify(found.backingFile)}), which could expose files on the host; ${flatten}.`;
  }
  if (found.dataFile) {
    return `Image data is a ${described(found.format)} image with an external data file (${JSON.stringify(found.dataFile)}), which could expose files on the host; ${flatten}.`;
  }
  if (found.format === 'vmdk' && !SELF_CONTAINED_VMDK.has(found.vmdkCreateType ?? '')) {
    return `Image data is a vmdk of type ${found.vmdkCreateType ?? 'unknown'}, whose extents may be other files on the host; only monolithicSparse and streamOptimized vmdk images are accepted: convert it with "qemu-img convert -O vmdk -o subformat=streamOptimized".`;
  }
  return null;
}

/** Glance `virtual_size`: a fixed VHD's disk is its footer's size, not the file's, which qemu counts as raw. */
export function virtualSizeFor(declared: string, found: DiskInspection): number {
  const vhd = declared === 'vhd' ? found.rawSignatures?.find((s) => s.format === 'vhd') : undefined;
  return vhd?.format === 'vhd' ? vhd.virtualSize : found.virtualSize;
}
