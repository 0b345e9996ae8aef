import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { NovaError } from './nova-errors';

/** The microversions this Nova API serves (the version document states them; Zed's range). */
export const MIN_MICROVERSION = '2.1';
export const MAX_MICROVERSION = '2.93';

/** A compute API microversion, comparable: 2.10 > 2.9. */
export class ApiVersion {
  constructor(
    readonly major: number,
    readonly minor: number,
  ) {}

  static parse(text: string): ApiVersion | null {
    const m = /^([1-9]\d*)\.(0|[1-9]\d*)$/.exec(text.trim());
    return m ? new ApiVersion(Number(m[1]), Number(m[2])) : null;
  }

  /** True when this version is at least `other` ("2.47"). */
  atLeast(other: string): boolean {
    const o = ApiVersion.parse(other)!;
    return this.major > o.major || (this.major === o.major && this.minor >= o.minor);
  }

  below(other: string): boolean {
    return !this.atLeast(other);
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

const MIN = ApiVersion.parse(MIN_MICROVERSION)!;
const MAX = ApiVersion.parse(MAX_MICROVERSION)!;
const VERSION_KEY = 'novaApiVersion';

type WithVersion = FastifyRequest & { [VERSION_KEY]?: ApiVersion };

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * nova/api/openstack/wsgi.py `Request.set_api_version_request`: `OpenStack-API-Version: compute X.Y`
 * wins over `X-OpenStack-Nova-API-Version: X.Y`; absent means 2.1; `latest` the maximum; a bad
 * string is a 400, a version outside the range a 406.
 */
export function requestedVersion(request: FastifyRequest): ApiVersion {
  const cached = (request as WithVersion)[VERSION_KEY];
  if (cached) return cached;
  let asked: string | undefined;
  const generic = header(request, 'openstack-api-version');
  if (generic !== undefined) {
    for (const part of generic.split(',')) {
      const [service, value] = part.trim().split(/\s+/, 2);
      if (service?.toLowerCase() === 'compute' && value !== undefined) asked = value;
    }
  }
  asked ??= header(request, 'x-openstack-nova-api-version');
  let version = MIN;
  if (asked !== undefined) {
    if (asked.trim().toLowerCase() === 'latest') version = MAX;
    else {
      const parsed = ApiVersion.parse(asked);
      if (!parsed) throw new NovaError(400, `API Version String ${asked} is of invalid format. Must be of format MajorNum.MinorNum.`);
      if (parsed.below(MIN_MICROVERSION) || parsed.major !== MAX.major || parsed.minor > MAX.minor) {
        throw new NovaError(406, `Version ${asked} is not supported by the API. Minimum is ${MIN_MICROVERSION} and maximum is ${MAX_MICROVERSION}.`);
      }
      version = parsed;
    }
  }
  (request as WithVersion)[VERSION_KEY] = version;
  return version;
}

/** The request's negotiated microversion, for controllers. */
export const Microversion = createParamDecorator((_: unknown, context: ExecutionContext): ApiVersion => requestedVersion(context.switchToHttp().getRequest<FastifyRequest>()));
