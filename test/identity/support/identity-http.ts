import * as http from 'node:http';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One request without keep-alive, so no socket outlives the test. `body` as a string is sent verbatim. */
export function call(method: string, url: string, opts: { token?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { Accept: 'application/json', ...(opts.token ? { 'X-Auth-Token': opts.token } : {}), ...(opts.headers ?? {}) };
  if (payload !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: 15_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let json: unknown = undefined;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export function passwordAuth(user: { name: string; password: string; domain?: string }, scope?: unknown) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user.name, domain: { name: user.domain ?? 'Default' }, password: user.password } } },
      ...(scope === undefined ? {} : { scope }),
    },
  };
}

export const projectScope = (name: string) => ({ project: { name, domain: { id: 'default' } } });

export async function issueToken(identity: string, user: { name: string; password: string }, scope?: unknown): Promise<{ value: string; answer: Answer }> {
  const answer = await call('POST', `${identity}/auth/tokens`, { body: passwordAuth(user, scope) });
  if (answer.status !== 201) throw new Error(`token issue for ${user.name} answered ${answer.status}: ${answer.text}`);
  return { value: String(answer.headers['x-subject-token']), answer };
}

export const keystoneError = (code: number, title: string, message: string | RegExp) => ({ error: { code, title, message: typeof message === 'string' ? message : expect.stringMatching(message) } });
