import type { ClientBase, Pool, PoolClient } from 'pg';

/** Runs `work` in one transaction on a pooled connection: COMMIT on success, ROLLBACK on any error. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    return await inTransactionOn(client, work, begin);
  } finally {
    client.release();
  }
}

/** Runs `work` in one transaction on a connection the caller holds (a session's temporary tables outlive it). */
export async function inTransactionOn<C extends ClientBase, T>(client: C, work: (client: C) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  await client.query(begin);
  try {
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
