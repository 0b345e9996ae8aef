import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StrataConfig } from '../../../infra/config';

export interface AdminCredentials {
  password: string;
  /** True on the boot that generated the password: it is printed then, and never again. */
  generated: boolean;
  passwordFile: string | null;
  openrcPath: string;
}

/** Identifies this installation (its data dir); recorded in DeploymentInitialized by the first boot. */
export function installationId(dataDir: string): string {
  const file = path.join(dataDir, 'installation-id');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const id = randomUUID();
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `${id}\n`, { flag: 'wx' });
    return fs.readFileSync(file, 'utf8').trim();
  }
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The admin password (STRATA_ADMIN_PASSWORD, else one generated on first boot and kept in the
 * data dir with mode 0600) and `admin-openrc.sh` for the `openstack` CLI, rewritten on every
 * boot so it follows STRATA_PUBLIC_URL.
 */
export function ensureAdminCredentials(config: StrataConfig): AdminCredentials {
  fs.mkdirSync(config.dataDir, { recursive: true });
  let password = config.adminPassword;
  let generated = false;
  let passwordFile: string | null = null;
  if (password === undefined) {
    passwordFile = path.join(config.dataDir, 'admin-password');
    try {
      password = fs.readFileSync(passwordFile, 'utf8').trim();
    } catch {
      password = randomBytes(18).toString('base64url');
      fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
      generated = true;
    }
  }
  const openrcPath = path.join(config.dataDir, 'admin-openrc.sh');
  const openrc = [
    '# Strata admin credentials for the openstack CLI: source this file.',
    `export OS_AUTH_URL=${shellQuote(`${config.publicUrl}/identity/v3`)}`,
    'export OS_IDENTITY_API_VERSION=3',
    'export OS_USERNAME=admin',
    `export OS_PASSWORD=${shellQuote(password)}`,
    'export OS_PROJECT_NAME=admin',
    'export OS_USER_DOMAIN_NAME=Default',
    'export OS_PROJECT_DOMAIN_NAME=Default',
    'export OS_REGION_NAME=RegionOne',
    'export OS_INTERFACE=public',
    '',
  ].join('\n');
  fs.writeFileSync(`${openrcPath}.tmp`, openrc, { mode: 0o600 });
  fs.renameSync(`${openrcPath}.tmp`, openrcPath);
  return { password, generated, passwordFile, openrcPath };
}
