import { createHash } from 'node:crypto';
import { Md5Worker } from './md5-worker';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const bytesOf = (seed: string, size: number) => {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 64) createHash('sha512').update(`${seed}-${i}`).digest().copy(out, i);
  return out;
};

async function feed(job: ReturnType<Md5Worker['begin']>, bytes: Buffer, piece: number) {
  for (let i = 0; i < bytes.length; i += piece) await job.update(bytes.subarray(i, i + piece));
}

describe('Md5Worker', () => {
  const worker = new Md5Worker();

  it('gives the MD5 of what it was fed, whatever the pieces', async () => {
    const bytes = bytesOf('a', 3 * 1024 * 1024 + 17);
    const job = worker.begin();
    await feed(job, bytes, 65_536);
    expect(await job.digest()).toBe(md5(bytes));
  });

  it('keeps interleaved uploads apart, past its in-flight bound', async () => {
    const a = bytesOf('a', 20 * 1024 * 1024);
    const b = bytesOf('b', 9 * 1024 * 1024 + 5);
    const [ja, jb] = [worker.begin(), worker.begin()];
    await Promise.all([feed(ja, a, 1024 * 1024), feed(jb, b, 7_000)]);
    expect(await Promise.all([ja.digest(), jb.digest()])).toEqual([md5(a), md5(b)]);
  });

  it('hashes an empty upload, and a discarded one leaves the others intact', async () => {
    const dropped = worker.begin();
    await dropped.update(bytesOf('x', 1000));
    dropped.discard();
    const empty = worker.begin();
    expect(await empty.digest()).toBe(md5(Buffer.alloc(0)));
  });
});
