import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { newRequestId } from '../../../infra/ids/ids';

/** Nest on Fastify with an OpenStack request id (`req-<uuid>`) on every response, 404s included. */
export async function createHttpApp(rootModule: unknown): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ genReqId: () => newRequestId(), requestIdHeader: false, logger: false });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    reply.header('x-openstack-request-id', request.id);
    done();
  });
  return NestFactory.create<NestFastifyApplication>(rootModule as never, adapter, { bufferLogs: false, abortOnError: false });
}

export type HttpApp = INestApplication;
