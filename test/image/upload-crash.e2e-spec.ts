import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { call, issueToken, projectScope } from '../identity/support/identity-http';
import { freePort, killAll, spawnStrata, StrataProcess, tempDataDir, waitFor, waitReady } from '../e2e/support/strata-process';

/** Starts an upload of `total` bytes, sends `sent` of them, and resolves once they are on the wire. */
function halfUpload(url: string, token: string, total: number, sent: number): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'PUT',
      agent: false,
      headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream', 'Content-Length': String(total) },
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(sent, 7), (error) => (error ? reject(error) : resolve(req)));
  });
}

describe('an image upload cut short by the API process dying', () => {
  const { root, dataDir } = tempDataDir();
  const clusterDir = path.join(dataDir, 'pg');
  let strata: StrataProcess | undefined;
  let base: string;
  const env = (port: number) => ({ STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port), STRATA_ADMIN_PASSWORD: 'crash-secret' });

  afterAll(async () => {
    await killAll(strata, clusterDir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('is failed visibly (killed) by the next API process, never left saving or marked active', async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    strata = spawnStrata(['start'], env(port));
    await waitReady(base, strata);
    const admin = { name: 'admin', password: 'crash-secret' };
    let token = (await issueToken(`${base}/identity/v3`, admin, projectScope('admin'))).value;
    const created = await call('POST', `${base}/image/v2/images`, { token, body: { name: 'doomed', disk_format: 'raw', container_format: 'bare' } });
    expect(created.status).toBe(201);
    const imageId = created.json.id as string;

    const upload = await halfUpload(`${base}/image/v2/images/${imageId}/file`, token, 8 * 1024 * 1024, 1024 * 1024);
    await waitFor('the image to be saving', async () => ((await call('GET', `${base}/image/v2/images/${imageId}`, { token })).json?.status === 'saving' ? true : undefined), 15_000);
    strata.child.kill('SIGKILL');
    await strata.exited;
    upload.destroy();

    strata = spawnStrata(['start'], env(port));
    await waitReady(base, strata);
    token = (await issueToken(`${base}/identity/v3`, admin, projectScope('admin'))).value;
    const image = await waitFor(
      'the interrupted upload to be failed',
      async () => {
        const answer = await call('GET', `${base}/image/v2/images/${imageId}`, { token });
        return answer.json?.status === 'killed' ? answer.json : undefined;
      },
      90_000,
      () => strata!.output(),
    );
    expect(image).toMatchObject({ status: 'killed', size: null, checksum: null, os_hash_value: null });

    // A killed image takes no new upload, and its record says why it died.
    const retry = await call('PUT', `${base}/image/v2/images/${imageId}/file`, { token, headers: { 'Content-Type': 'application/octet-stream' }, body: 'data' });
    expect(retry.status).toBe(409);
    const deleted = await call('DELETE', `${base}/image/v2/images/${imageId}`, { token });
    expect(deleted.status).toBe(204);
  });
});
