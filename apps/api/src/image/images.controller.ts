import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { MemberStatus } from '../../../../domain/image';
import type { ImageRow } from '../../../../projections/image';
import { authorize, commandMetadata, CurrentToken, hasRole, isAdmin, scopedProjectId, TokenContext, TokenGuard } from '../../../shared/src/auth';
import { GlanceError, GlanceExceptionFilter, imageNotFound } from './glance-errors';
import { parseCreateBody, parseListQuery, parsePatch } from './glance-requests';
import { IMAGE_ID } from './glance-schemas';
import { imageView, memberView } from './glance-views';
import { ImageReads, ImageViewer } from './image-reads';
import { ImageUploads } from './image-uploads';
import { ImageWrites } from './image-writes';

type RawQuery = Record<string, string | string[] | undefined>;

const viewerOf = (token: TokenContext): ImageViewer => ({ admin: isAdmin(token), projectId: scopedProjectId(token) });

/**
 * Glance's default policy with Keystone's roles: admins do anything; a member of the owning
 * project manages the image; a reader only reads (as in identity); `publicize_image` is admin's.
 */
function mayManage(token: TokenContext, image: ImageRow): boolean {
  return isAdmin(token) || (image.owner !== null && image.owner === scopedProjectId(token) && hasRole(token, 'member'));
}

/** Glance paginates with `next` only while a page is full; links are relative, as Glance writes them. */
function pageLinks(request: FastifyRequest, limit: number, page: ImageRow[], more: boolean): { first: string; next?: string } {
  const params = new URLSearchParams(request.url.split('?')[1] ?? '');
  params.delete('marker');
  const base = params.toString();
  const first = `/v2/images${base ? `?${base}` : ''}`;
  if (!more || page.length === 0) return { first };
  params.set('marker', page[page.length - 1].id);
  if (!params.has('limit')) params.set('limit', String(limit));
  return { first, next: `/v2/images?${params.toString()}` };
}

@Controller('image/v2/images')
@UseFilters(GlanceExceptionFilter)
@UseGuards(TokenGuard)
export class ImagesController {
  constructor(
    private readonly reads: ImageReads,
    private readonly writes: ImageWrites,
    private readonly uploads: ImageUploads,
  ) {}

  /** The image if the token may see it; 404 otherwise (Glance hides what you may not see). */
  private async visibleImage(token: TokenContext, imageId: string): Promise<ImageRow> {
    const row = IMAGE_ID.test(imageId) ? await this.reads.image(imageId) : null;
    if (!row || !ImageReads.visible(row, viewerOf(token))) throw imageNotFound(imageId);
    return row;
  }

  private async managedImage(token: TokenContext, imageId: string, rule: string): Promise<ImageRow> {
    const row = await this.visibleImage(token, imageId);
    authorize(rule, mayManage(token, row));
    return row;
  }

  private async shown(imageId: string) {
    const row = await this.reads.image(imageId);
    if (!row) throw imageNotFound(imageId);
    return imageView(row);
  }

  @Post()
  @HttpCode(201)
  async create(@CurrentToken() token: TokenContext, @Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const data = parseCreateBody(body);
    const project = scopedProjectId(token);
    authorize('image:add_image', isAdmin(token) || (project !== null && hasRole(token, 'member')));
    if (data.visibility === 'public') authorize('image:publicize_image', isAdmin(token));
    if (data.visibility === 'community') authorize('image:communitize_image', isAdmin(token) || hasRole(token, 'member'));
    if (data.owner !== undefined && data.owner !== project && !isAdmin(token)) {
      throw new GlanceError(403, `You are not permitted to create images owned by '${String(data.owner)}'.`);
    }
    const created = await this.writes.create({ ...data, owner: data.owner === undefined ? project : data.owner }, commandMetadata(request, token));
    await this.reads.waitFor(created.position);
    reply.header('Location', `${request.protocol}://${request.headers.host}/image/v2/images/${created.imageId}`);
    return this.shown(created.imageId);
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Query() query: RawQuery, @Req() request: FastifyRequest) {
    const { q, limit, marker } = parseListQuery(query);
    const viewer = viewerOf(token);
    const rows = await this.reads.images(viewer, q);
    let start = 0;
    if (marker !== undefined) {
      const index = rows.findIndex((r) => r.id === marker);
      if (index < 0) {
        const markerRow = IMAGE_ID.test(marker) ? await this.reads.image(marker) : null;
        // A marker the viewer cannot see, or that the filters exclude, is Glance's "not found" (400).
        if (!markerRow || !ImageReads.visible(markerRow, viewer)) throw new GlanceError(400, `No image found with ID ${marker}`);
        throw new GlanceError(400, `Marker ${marker} is not among the listed images.`);
      }
      start = index + 1;
    }
    const page = rows.slice(start, start + limit);
    const more = start + limit < rows.length;
    return { images: page.map(imageView), ...pageLinks(request, limit, page, more), schema: '/v2/schemas/images' };
  }

  @Get(':imageId')
  async show(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string) {
    return imageView(await this.visibleImage(token, imageId));
  }

  @Patch(':imageId')
  async update(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const operations = parsePatch(request.headers['content-type'], body);
    const row = await this.managedImage(token, imageId, 'image:modify_image');
    if (operations.some((o) => o.op !== 'remove' && o.path === 'visibility' && o.value === 'public')) authorize('image:publicize_image', isAdmin(token));
    const { position } = await this.writes.update(row.id, operations, isAdmin(token), commandMetadata(request, token));
    await this.reads.waitFor(position);
    return this.shown(row.id);
  }

  @Delete(':imageId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Req() request: FastifyRequest) {
    const row = await this.managedImage(token, imageId, 'image:delete_image');
    const { position, state } = await this.writes.run('DeleteImage', { imageId: row.id }, commandMetadata(request, token));
    await this.reads.waitFor(position);
    const blobKey = state.status === 'deleted' ? (state.image.data?.blobKey ?? row.blob_key) : row.blob_key;
    await this.uploads.release(blobKey, row.id);
  }

  @Put(':imageId/file')
  @HttpCode(204)
  async upload(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const row = await this.managedImage(token, imageId, 'image:upload_image');
    if (!(body instanceof Readable)) throw new GlanceError(415, 'The request has media type which is not supported by the server.');
    const aborted = new AbortController();
    // The client hung up mid-upload: stop writing, and the upload fails instead of waiting forever.
    request.raw.once('close', () => {
      if (!request.raw.complete) aborted.abort(new Error('the client closed the connection before the upload completed'));
    });
    await this.uploads.upload(row, body, commandMetadata(request, token), aborted.signal);
  }

  @Get(':imageId/file')
  async download(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const row = await this.visibleImage(token, imageId);
    if (row.status === 'deactivated' && !isAdmin(token)) throw new GlanceError(403, 'The requested image has been deactivated. Image data download is forbidden.');
    // glance/api/v2/image_data.py: an image without data answers 204 No Content.
    if (row.blob_key === null || row.size === null) return reply.status(204).send();
    const size = Number(row.size);
    const range = parseRange(request.headers.range, size);
    const stream = await this.uploads.download(row, range ?? undefined);
    reply.header('Content-Type', 'application/octet-stream');
    if (range) {
      const end = Math.min(range.end ?? size - 1, size - 1);
      reply.status(206).header('Content-Range', `bytes ${range.start}-${end}/${size}`).header('Content-Length', String(end - range.start + 1));
    } else {
      reply.status(200).header('Content-MD5', row.checksum ?? '').header('Content-Length', String(size));
    }
    return reply.send(stream);
  }

  @Post(':imageId/actions/deactivate')
  @HttpCode(204)
  async deactivate(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Req() request: FastifyRequest) {
    const row = await this.managedImage(token, imageId, 'image:deactivate');
    const { position } = await this.writes.run('DeactivateImage', { imageId: row.id }, commandMetadata(request, token));
    await this.reads.waitFor(position);
  }

  @Post(':imageId/actions/reactivate')
  @HttpCode(204)
  async reactivate(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Req() request: FastifyRequest) {
    const row = await this.managedImage(token, imageId, 'image:reactivate');
    const { position } = await this.writes.run('ReactivateImage', { imageId: row.id }, commandMetadata(request, token));
    await this.reads.waitFor(position);
  }

  @Put(':imageId/tags/:tag')
  @HttpCode(204)
  async addTag(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Param('tag') tag: string, @Req() request: FastifyRequest) {
    const row = await this.managedImage(token, imageId, 'image:modify_image');
    const { position } = await this.writes.run('AddImageTag', { imageId: row.id, tag }, commandMetadata(request, token));
    await this.reads.waitFor(position);
  }

  @Delete(':imageId/tags/:tag')
  @HttpCode(204)
  async removeTag(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Param('tag') tag: string, @Req() request: FastifyRequest) {
    const row = await this.managedImage(token, imageId, 'image:modify_image');
    const { position } = await this.writes.run('RemoveImageTag', { imageId: row.id, tag }, commandMetadata(request, token));
    await this.reads.waitFor(position);
  }

  // Members (glance/api/v2/image_members.py): the owner adds and removes them, each member sets its own status.

  @Post(':imageId/members')
  async addMember(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const memberId = (body as { member?: unknown } | undefined)?.member;
    if (typeof memberId !== 'string' || memberId.length === 0) throw new GlanceError(400, 'Member to be added not specified');
    const row = await this.managedImage(token, imageId, 'image:add_member');
    const { position } = await this.writes.run('AddImageMember', { imageId: row.id, memberId }, commandMetadata(request, token));
    await this.reads.waitFor(position);
    return this.member(row.id, memberId);
  }

  @Get(':imageId/members')
  async members(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string) {
    const row = await this.visibleImage(token, imageId);
    if (row.visibility !== 'shared') throw new GlanceError(403, 'Only shared images have members.');
    const project = scopedProjectId(token);
    const owner = mayManage(token, row) || row.owner === project;
    const entries = Object.entries(row.members).filter(([memberId]) => owner || memberId === project);
    return { members: entries.map(([memberId, entry]) => memberView(row.id, memberId, entry)), schema: '/v2/schemas/members' };
  }

  @Get(':imageId/members/:memberId')
  async showMember(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Param('memberId') memberId: string) {
    const row = await this.visibleImage(token, imageId);
    const project = scopedProjectId(token);
    const entry = row.members[memberId];
    if (!entry || !(isAdmin(token) || row.owner === project || memberId === project)) throw new GlanceError(404, `${memberId} not found in the member list of the image ${row.id}.`);
    return memberView(row.id, memberId, entry);
  }

  @Put(':imageId/members/:memberId')
  async updateMember(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Param('memberId') memberId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const status = (body as { status?: unknown } | undefined)?.status;
    if (typeof status !== 'string') throw new GlanceError(400, 'Status not specified');
    const row = await this.visibleImage(token, imageId);
    // Only the member accepts or rejects (glance policy `modify_member`): not even the owner may.
    authorize('image:modify_member', isAdmin(token) || (memberId === scopedProjectId(token) && hasRole(token, 'member')));
    const { position } = await this.writes.updateMember(row.id, memberId, status as MemberStatus, commandMetadata(request, token));
    await this.reads.waitFor(position);
    return this.member(row.id, memberId);
  }

  @Delete(':imageId/members/:memberId')
  @HttpCode(204)
  async removeMember(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Param('memberId') memberId: string, @Req() request: FastifyRequest) {
    const row = await this.managedImage(token, imageId, 'image:delete_member');
    const { position } = await this.writes.run('RemoveImageMember', { imageId: row.id, memberId }, commandMetadata(request, token));
    await this.reads.waitFor(position);
  }

  private async member(imageId: string, memberId: string) {
    const row = await this.reads.image(imageId);
    const entry = row?.members[memberId];
    if (!row || !entry) throw new GlanceError(404, `${memberId} not found in the member list of the image ${imageId}.`);
    return memberView(imageId, memberId, entry);
  }
}

/** One `bytes=a-b` / `bytes=a-` / `bytes=-n` range; anything else is ignored (whole body), as webob does. */
function parseRange(header: string | undefined, size: number): { start: number; end?: number } | null {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Math.min(Number(m[2]), size);
    return { start: size - suffix, end: size - 1 };
  }
  return { start: Number(m[1]), ...(m[2] === '' ? {} : { end: Number(m[2]) }) };
}
