import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { newRequestId } from '../../../infra/ids/ids';
import { foreground } from '../../shared/src/foreground';
import { glanceErrorBody } from './image/glance-errors';
import { ServiceFaultsFilter } from './service-faults.filter';

const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A client retrying with the request id it sent before gets the first outcome (DESIGN.md, Commands). */
function requestIdOf(raw: { headers: Record<string, string | string[] | undefined> }): string {
  const sent = raw.headers['x-openstack-request-id'];
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : newRequestId();
}

/** Nest on Fastify with an OpenStack request id (`req-<uuid>`) on every response, 404s included. */
export async function createHttpApp(rootModule: unknown): Promise<NestFastifyApplication> {
  // keystoneauth requests both `/identity/v3` and `/identity/v3/`; Keystone (Flask) answers both.
  // Path parameters up to 1 KiB: Glance tags are 255 characters, percent-encoded up to three times that.
  const adapter = new FastifyAdapter({ genReqId: requestIdOf as never, requestIdHeader: false, logger: false, ignoreTrailingSlash: true, maxParamLength: 1024 });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    reply.header('x-openstack-request-id', request.id);
    // Counted until the response is sent or the connection drops: background work gives way meanwhile.
    reply.raw.once('close', foreground.enter());
    done();
  });
  // Glance routes `/v2/images/` nowhere (tempest's show_image('') expects 404); the trailing-slash
  // leniency the identity clients need must not turn it into the image list.
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    if (request.url.split('?')[0] !== '/image/v2/images/' || request.method === 'POST') return done();
    const { contentType, body } = glanceErrorBody(404, 'The resource could not be found.', request.headers.accept);
    reply.code(404).header('Content-Type', contentType).send(body);
  });
  // OpenStack clients send `Content-Type: application/json` with an empty body on PUT/DELETE
  // (e.g. tempest's role grants); the services accept it, Fastify's own JSON parser does not.
  adapter.getInstance().addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  });
  // Glance: image bytes stream through untouched (no body limit, never buffered); JSON patches are JSON.
  adapter.getInstance().addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  adapter.getInstance().addContentTypeParser(
    ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch'],
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (error) {
        done(Object.assign(error as Error, { statusCode: 400 }), undefined);
      }
    },
  );
  const app = await NestFactory.create<NestFastifyApplication>(rootModule as never, adapter, { bufferLogs: false, abortOnError: false, bodyParser: false });
  app.useGlobalFilters(new ServiceFaultsFilter(app.getHttpAdapter()));
  return app;
}

export type HttpApp = INestApplication;
