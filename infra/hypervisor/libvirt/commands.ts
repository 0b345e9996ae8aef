import { execFile } from 'node:child_process';

/** A `virsh` or `qemu-img` run that exited non-zero (or could not start); `stderr` is the tool's own words. */
export class CommandFailed extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly stderr: string,
    readonly exitCode: number | string | null,
  ) {
    super(`${command} ${args.join(' ')} failed (${exitCode}): ${stderr}`);
    this.name = 'CommandFailed';
  }

  /** What the tool said, without virsh's `error: ` prefixes, for a `DriverOperationFailed` reason. */
  get reason(): string {
    const text = this.stderr
      .split('\n')
      .map((line) => line.replace(/^error:\s*/, '').trim())
      .filter((line) => line !== '')
      .join('; ');
    return text || `${this.command} exited with ${this.exitCode}`;
  }
}

export interface CommandOptions {
  timeoutMs: number;
}

/**
 * The whole environment of a `virsh` or `qemu-img` run: the C locale, so that their output and errors parse
 * the same on every host, and a fixed PATH (nothing else of the agent's environment reaches them).
 */
const COMMAND_ENV = { LC_ALL: 'C', LANG: 'C', PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

/** Runs a program with its arguments as an array (no shell). */
export function runCommand(command: string, args: readonly string[], options: CommandOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: COMMAND_ENV, timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const code = (error as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
        const killed = (error as { killed?: boolean }).killed ? `killed after ${options.timeoutMs} ms` : '';
        reject(new CommandFailed(command, args, (stderr || killed || error.message).trim(), code));
      },
    );
  });
}

/** `virsh -c <uri>`: one process per command, as the agent would type it. */
export class Virsh {
  constructor(
    readonly uri: string,
    private readonly options: CommandOptions & { binary?: string } = { timeoutMs: 120_000 },
  ) {}

  run(...args: string[]): Promise<string> {
    return runCommand(this.options.binary ?? 'virsh', ['-c', this.uri, ...args], this.options);
  }
}

/** libvirt's VIR_ERR_NO_DOMAIN as virsh prints it. */
export function isDomainNotFound(error: unknown): boolean {
  return error instanceof CommandFailed && /failed to get domain|Domain not found|no domain with matching/i.test(error.stderr);
}

/** VIR_ERR_OPERATION_INVALID for a domain that is already off (destroy, shutdown of a stopped guest). */
export function isDomainNotRunning(error: unknown): boolean {
  return error instanceof CommandFailed && /domain is not running/i.test(error.stderr);
}

export function isMetadataNotFound(error: unknown): boolean {
  return error instanceof CommandFailed && /metadata not found|Requested metadata element is not present/i.test(error.stderr);
}

/** The fields of `qemu-img info --output=json` the driver reads. */
export interface QemuImageInfo {
  format: string;
  virtualSize: number;
  actualSize: number;
  backingFilename: string | null;
  backingFormat: string | null;
  dataFile: string | null;
  /** Files a vmdk's descriptor names as its extents. */
  extentFiles: string[];
}

export class QemuImg {
  constructor(private readonly options: CommandOptions & { binary?: string } = { timeoutMs: 600_000 }) {}

  private run(...args: string[]): Promise<string> {
    return runCommand(this.options.binary ?? 'qemu-img', args, this.options);
  }

  /** `format` null lets qemu-img probe; `-U` so an image a running guest holds can be read too. */
  async info(path: string, format: string | null): Promise<QemuImageInfo> {
    const raw = JSON.parse(await this.run('info', '-U', '--output=json', ...(format ? ['-f', format] : []), path)) as Record<string, unknown>;
    const specific = (raw['format-specific'] as { data?: Record<string, unknown> } | undefined)?.data ?? {};
    return {
      format: String(raw.format),
      virtualSize: Number(raw['virtual-size']),
      actualSize: Number(raw['actual-size'] ?? 0),
      backingFilename: typeof raw['backing-filename'] === 'string' ? raw['backing-filename'] : null,
      backingFormat: typeof raw['backing-filename-format'] === 'string' ? raw['backing-filename-format'] : null,
      dataFile: typeof specific['data-file'] === 'string' ? specific['data-file'] : null,
      extentFiles: Array.isArray(specific.extents) ? specific.extents.map((e: { filename?: unknown }) => String(e.filename)) : [],
    };
  }

  /** A qcow2 overlay on `backing`; `sizeBytes` null keeps the backing image's size. */
  async createOverlay(path: string, backing: { path: string; format: string }, sizeBytes: number | null): Promise<void> {
    await this.run('create', '-q', '-f', 'qcow2', '-b', backing.path, '-F', backing.format, path, ...(sizeBytes === null ? [] : [String(sizeBytes)]));
  }

  async resize(path: string, format: string, sizeBytes: number): Promise<void> {
    await this.run('resize', '-q', '-f', format, path, String(sizeBytes));
  }

  async convert(from: { path: string; format: string }, to: { path: string; format: string }): Promise<void> {
    await this.run('convert', '-q', '-f', from.format, '-O', to.format, from.path, to.path);
  }
}
