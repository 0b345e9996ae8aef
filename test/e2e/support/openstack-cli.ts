import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Debian's python3-openstackclient (scripts/provision.sh installs it), or null when absent. */
export function openstackBinary(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v openstack'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** The variables admin-openrc.sh exports, read from the file strata wrote. */
export function openrc(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^export (OS_[A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1').replace(/'\\''/g, "'");
  }
  return env;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `openstack` with only the OS_* variables given (no clouds.yaml, none of the
 * caller's OS_*), HOME in a scratch dir; `defaultEnv` is read at each call.
 */
export function openstackCli(binary: string, home: string, defaultEnv: () => Record<string, string>) {
  const openstack = (args: string[], env: Record<string, string> = defaultEnv(), timeout = 60_000): CliResult => {
    const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8' };
    const r = spawnSync(binary, args, { env: { ...base, ...env }, encoding: 'utf8', timeout });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (args: string[], env?: Record<string, string>): string => {
    const r = openstack(args, env);
    if (r.status !== 0) throw new Error(`openstack ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
    return r.stdout;
  };
  const json = (args: string[], env?: Record<string, string>) => JSON.parse(ok([...args, '-f', 'json'], env));
  return { openstack, ok, json };
}
