import { Answer, call } from '../../identity/support/identity-http';

export type { Answer };

/** One call to the compute API at a microversion (none: the 2.1 default). */
export function nova(base: string, method: string, path: string, opts: { token?: string; version?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(opts.version ? { 'OpenStack-API-Version': `compute ${opts.version}` } : {}), ...(opts.headers ?? {}) };
  return call(method, `${base}/compute/v2.1${path}`, { token: opts.token, body: opts.body, headers });
}

/** Nova's fault body. */
export const novaFault = (code: number, message: string | RegExp) => {
  const names: Record<number, string> = { 400: 'badRequest', 403: 'forbidden', 404: 'itemNotFound', 409: 'conflictingRequest' };
  return { [names[code]]: { code, message: typeof message === 'string' ? message : expect.stringMatching(message) } };
};

export const policyDenied = (rule: string) => novaFault(403, `Policy doesn't allow ${rule} to be performed.`);

/** A reply's status and body alone, to compare with one `toEqual` (`{ status: 404, json: novaFault(...) }`). */
export async function answer(reply: Promise<{ status: number; json: unknown }>): Promise<{ status: number; json: unknown }> {
  const r = await reply;
  return { status: r.status, json: r.json };
}
