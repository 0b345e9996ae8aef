import { Pool } from 'pg';

/**
 * Opens every connection a pool may hold, at once, and returns them to it. A server warms its
 * pools before it takes requests: a new connection costs a backend start and a SCRAM exchange
 * (PBKDF2 on both sides), and the first burst of requests otherwise paid for all of them together
 * (the slowest accepts of bench:compute were its first, with appends taking 100 ms instead of 10).
 * The pool must keep them (`min` = `max`), or it closes them again after its idle timeout.
 */
export async function warmPool(pool: Pool): Promise<void> {
  const clients = await Promise.all(Array.from({ length: pool.options.max }, () => pool.connect()));
  for (const client of clients) client.release();
}
