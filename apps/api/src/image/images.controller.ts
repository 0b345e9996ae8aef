import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Put, Query, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { imageStream, MEMBER_STATUSES, MemberStatus } from '../../../../domain/image';
import { Conflict, Forbidden, QuotaExceeded } from '../../../../domain/kernel';
import { TimeTravel } from '../../../../infra/audit/time-travel';
import type { ImageRow } from '../../../../projections/image';
import { authorize, commandMetadata, CurrentToken, hasRole, isAdmin, scopedProjectId, TokenContext, TokenGuard } from '../../../shared/src/auth';
import { ACCESS_DENIED, CONFLICT, GlanceError, GlanceExceptionFilter, imageNotFound, RESOURCE_NOT_FOUND, rangeDetail, UnsupportedMediaType } from './glance-errors';
import { parseCreateBody, parseListQuery, parsePatch, validateTag } from './glance-requests';
import { BareNoContent, GlanceResponseInterceptor, pageLinks } from './glance-responses';
import { IMAGE_ID } from './glance-schemas';
import { imageView, memberView } from './glance-views';
import { viewerOf } from './glance-viewer';
import { ImageReads } from './image-reads';
import { ImageUploads } from './image-uploads';
import { ImageWrites } from './image-writes';
import { TIME_TRAVEL } from '../../../shared/src/runtime.tokens';

type RawQuery = Record<string, string | string[] | undefined>;

/** What refuses a change to an image the caller can see: Glance's words differ per call. */
interface OwnerRule {
  /** The policy rule a reader of the owning project fails (Strata's readers only read). */
  rule: string;
  /** Glance's 403 for a project that is not the owner. */
  notOwner: (imageId: string) => string;
  /** Glance's 404 for an image the caller cannot see. */
  notFound?: (imageId: string) => GlanceError;
}

const YOU_DO_NOT_OWN = () => 'You do not own this image';
const imageNotFoundShort = (imageId: string) => new GlanceError(404, `Image ${imageId} not found.`);

@Controller('image/v2/images')
@UseFilters(GlanceExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(GlanceResponseInterceptor)
export class ImagesController {
  constructor(
    private readonly reads: ImageReads,
    private readonly writes: ImageWrites,
    private readonly uploads: ImageUploads,
    @Inject(TIME_TRAVEL) private readonly timeTravel: TimeTravel,
  ) {}

  /** `?as_of=`: the same reads over the images read model at that instant (one image: its own stream). */
  private readsAt<T>(asOf: unknown, work: (reads: ImageReads) => Promise<T>, imageId?: string): Promise<T> {
    const streams = imageId !== undefined && IMAGE_ID.test(imageId) ? [imageStream(imageId)] : undefined;
    return this.timeTravel.readsAt(asOf, ['image_images'], this.reads, work, { streams, invalid: (m) => new GlanceError(400, m) });
  }

  /** The image if the token may see it; 404 otherwise (Glance hides what you may not see). */
  private async visibleImage(token: TokenContext, imageId: string, notFound: (imageId: string) => GlanceError = imageNotFound, reads = this.reads): Promise<ImageRow> {
    const row = IMAGE_ID.test(imageId) ? await reads.image(imageId) : null;
    if (!row || !ImageReads.visible(row, viewerOf(token))) throw notFound(imageId);
    return row;
  }

  /**
   * Glance's `ImmutableImageProxy`: an image changes only through its owner (or an admin); others
   * who can see it get the call's 403. A reader of the owning project fails the policy rule.
   */
  private async ownedImage(token: TokenContext, imageId: string, owner: OwnerRule): Promise<ImageRow> {
    const row = await this.visibleImage(token, imageId, owner.notFound);
    if (isAdmin(token)) return row;
    if (row.owner === null || row.owner !== scopedProjectId(token)) throw new GlanceError(403, owner.notOwner(row.id));
    authorize(owner.rule, hasRole(token, 'member'));
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
    const created = await this.writes.create({ ...data, owner: data.owner === undefined ? project : data.owner }, commandMetadata(request, token)).catch((error) => {
      // Glance keeps deleted rows, so an id is never taken twice (images.py `create`).
      if (error instanceof Conflict && data.imageId !== undefined) throw new GlanceError(409, `Image ID ${data.imageId} already exists!`);
      throw error;
    });
    await this.reads.waitFor(created.position);
    reply.header('Location', `${request.protocol}://${request.headers.host}/image/v2/images/${created.imageId}`);
    return this.shown(created.imageId);
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Query() query: RawQuery, @Req() request: FastifyRequest) {
    const { as_of: asOf, ...filters } = query;
    return this.readsAt(asOf, (reads) => this.listWith(reads, token, filters, request));
  }

  private async listWith(reads: ImageReads, token: TokenContext, query: RawQuery, request: FastifyRequest) {
    const { q, limit, marker } = parseListQuery(query);
    const viewer = viewerOf(token);
    const rows = await reads.images(viewer, q);
    let start = 0;
    if (marker !== undefined) {
      const markerRow = IMAGE_ID.test(marker) ? await reads.image(marker) : null;
      if (!markerRow) throw new GlanceError(400, `No image found with ID ${marker}`);
      if (!ImageReads.visible(markerRow, viewer)) throw new GlanceError(403, `Forbidding request, image ${marker} not visible`);
      // Keyset paging as glance/db `paginate_query`: what sorts after the marker, whether or not the filters select it.
      const index = rows.findIndex((r) => this.reads.compare(r, markerRow, q.sort) > 0);
      start = index < 0 ? rows.length : index;
    }
    const page = rows.slice(start, start + limit);
    // glance/api/v2/images.py `ResponseSerializer.index`: `next` whenever the page came back full.
    const { first, next } = pageLinks(request, '/v2/images', limit !== 0 && page.length >= limit ? page[page.length - 1].id : undefined);
    return { images: page.map(imageView), first, schema: '/v2/schemas/images', ...(next === undefined ? {} : { next }) };
  }

  @Get(':imageId')
  async show(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Query() query: RawQuery) {
    return imageView(await this.readsAt(query.as_of, (reads) => this.visibleImage(token, imageId, imageNotFound, reads), imageId));
  }

  @Patch(':imageId')
  async update(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const operations = parsePatch(request.headers['content-type'], body);
    const row = await this.ownedImage(token, imageId, { rule: 'image:modify_image', notOwner: YOU_DO_NOT_OWN });
    if (operations.some((o) => o.op !== 'remove' && o.path === 'visibility' && o.value === 'public')) authorize('image:publicize_image', isAdmin(token));
    const { position } = await this.writes.update(row.id, operations, isAdmin(token), commandMetadata(request, token)).catch((error) => {
      // images.py `update` answers these with webob's generic explanation and the reason as detail.
      if (error instanceof Conflict && 'property' in error.details) throw new GlanceError(409, CONFLICT, {}, error.message);
      if (error instanceof Forbidden && /^Property .* may not be removed\.$/.test(error.message)) throw new GlanceError(403, ACCESS_DENIED, {}, error.message);
      throw error;
    });
    await this.reads.waitFor(position);
    return this.shown(row.id);
  }

  @Delete(':imageId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Req() request: FastifyRequest) {
    const row = await this.ownedImage(token, imageId, {
      rule: 'image:delete_image',
      notOwner: YOU_DO_NOT_OWN,
      notFound: (id) => new GlanceError(404, `Failed to find image ${id} to delete`),
    });
    await this.uploads.deleteImage(row, commandMetadata(request, token));
  }

  @Put(':imageId/file')
  @HttpCode(204)
  async upload(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    // The deserializer checks the media type before anything else.
    if (!(body instanceof Readable)) throw new UnsupportedMediaType(request.headers['content-type']?.split(';')[0].trim());
    const row = await this.ownedImage(token, imageId, { rule: 'image:upload_image', notOwner: (id) => `Not allowed to upload image data for image ${id}` });
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
    // glance/api/v2/image_data.py: an image without data answers 204 No Content, with no Content-Type.
    if (row.blob_key === null || row.size === null) return reply.status(204).header('Content-Length', '0').send();
    const size = Number(row.size);
    const range = parseRange(request.headers.range, size);
    if (range && range.start >= size) throw new GlanceError(416, 'The Range requested is not available.', {}, rangeDetail(size));
    const stream = await this.uploads.download(row, range ?? undefined);
    // The checksum of the whole image, on partial answers too.
    reply.header('Content-Type', 'application/octet-stream').header('Content-MD5', row.checksum ?? '');
    if (range) {
      const end = Math.min(range.end ?? size - 1, size - 1);
      reply.status(206).header('Content-Range', `bytes ${range.start}-${end}/${size}`).header('Content-Length', String(end - range.start + 1));
    } else {
      reply.status(200).header('Content-Length', String(size));
    }
    return reply.send(stream);
  }

  @Post(':imageId/actions/deactivate')
  @HttpCode(204)
  async deactivate(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Req() request: FastifyRequest) {
    const row = await this.ownedImage(token, imageId, { rule: 'image:deactivate', notOwner: YOU_DO_NOT_OWN });
    const { position } = await this.writes.run('DeactivateImage', { imageId: row.id }, commandMetadata(request, token));
    await this.reads.waitFor(position);
  }

  @Post(':imageId/actions/reactivate')
  @HttpCode(204)
  async reactivate(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Req() request: FastifyRequest) {
    const row = await this.ownedImage(token, imageId, { rule: 'image:reactivate', notOwner: YOU_DO_NOT_OWN });
    const { position } = await this.writes.run('ReactivateImage', { imageId: row.id }, commandMetadata(request, token));
    await this.reads.waitFor(position);
  }

  @Put(':imageId/tags/:tag')
  @HttpCode(204)
  async addTag(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Param('tag') tag: string, @Req() request: FastifyRequest) {
    const row = await this.ownedImage(token, imageId, { rule: 'image:modify_image', notOwner: (id) => `Not allowed to update tags for image ${id}.`, notFound: imageNotFoundShort });
    validateTag(tag);
    const { position } = await this.writes.run('AddImageTag', { imageId: row.id, tag }, commandMetadata(request, token)).catch((error) => {
      if (error instanceof QuotaExceeded) throw new GlanceError(413, `Image tag limit exceeded for image ${row.id}: ${error.message}:`);
      throw error;
    });
    await this.reads.waitFor(position);
  }

  @Delete(':imageId/tags/:tag')
  @HttpCode(204)
  async removeTag(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Param('tag') tag: string, @Req() request: FastifyRequest) {
    // image_tags.py `delete` answers a missing image or tag with webob's bare 404.
    const notFound = () => new GlanceError(404, RESOURCE_NOT_FOUND);
    const row = await this.ownedImage(token, imageId, { rule: 'image:modify_image', notOwner: (id) => `Not allowed to delete tags for image ${id}.`, notFound });
    if (!row.tags.includes(tag)) throw notFound();
    const { position } = await this.writes.run('RemoveImageTag', { imageId: row.id, tag }, commandMetadata(request, token));
    await this.reads.waitFor(position);
  }

  // Members (glance/api/v2/image_members.py): the owner adds and removes them, each member sets its own status.

  @Post(':imageId/members')
  @HttpCode(200)
  async addMember(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const memberId = (body as { member?: unknown } | undefined)?.member;
    if (typeof memberId !== 'string' || memberId.length === 0) throw new GlanceError(400, 'Member to be added not specified');
    const notAllowed = (id: string) => `Not allowed to create members for image ${id}.`;
    const row = await this.ownedImage(token, imageId, { rule: 'image:add_member', notOwner: notAllowed, notFound: imageNotFoundShort });
    if (row.visibility !== 'shared') throw new GlanceError(403, notAllowed(row.id));
    const { position } = await this.writes.run('AddImageMember', { imageId: row.id, memberId }, commandMetadata(request, token));
    await this.reads.waitFor(position);
    return this.member(row.id, memberId);
  }

  @Get(':imageId/members')
  async members(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string) {
    const row = await this.visibleImage(token, imageId, imageNotFoundShort);
    if (row.visibility !== 'shared') throw new GlanceError(403, `Not allowed to list members for image ${row.id}: Only shared images have members.`);
    const project = scopedProjectId(token);
    const everyone = isAdmin(token) || row.owner === project;
    const entries = Object.entries(row.members).filter(([memberId]) => everyone || memberId === project);
    return { members: entries.map(([memberId, entry]) => memberView(row.id, memberId, entry)), schema: '/v2/schemas/members' };
  }

  @Get(':imageId/members/:memberId')
  async showMember(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Param('memberId') memberId: string) {
    const row = await this.visibleImage(token, imageId, imageNotFoundShort);
    if (row.visibility !== 'shared') throw new GlanceError(404, 'Only shared images have members.');
    const project = scopedProjectId(token);
    const entry = row.members[memberId];
    if (!entry || !(isAdmin(token) || row.owner === project || memberId === project)) throw new GlanceError(404, `${memberId} not found in the member list of the image ${row.id}.`);
    return memberView(row.id, memberId, entry);
  }

  @Put(':imageId/members/:memberId')
  async updateMember(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Param('memberId') memberId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const status = (body as { status?: unknown } | undefined)?.status;
    if (typeof status !== 'string' || !(MEMBER_STATUSES as readonly string[]).includes(status)) {
      throw new GlanceError(400, 'Incorrect request: Status must be "pending", "accepted" or "rejected".');
    }
    const row = await this.visibleImage(token, imageId, imageNotFoundShort);
    // Only the member accepts or rejects (glance policy `modify_member`): not even the owner may.
    const project = scopedProjectId(token);
    if (!isAdmin(token) && (memberId !== project || row.visibility !== 'shared')) throw new GlanceError(403, `Not allowed to update members for image ${row.id}.`);
    authorize('image:modify_member', isAdmin(token) || hasRole(token, 'member'));
    const { position } = await this.writes.updateMember(row.id, memberId, status as MemberStatus, commandMetadata(request, token));
    await this.reads.waitFor(position);
    return this.member(row.id, memberId);
  }

  @Delete(':imageId/members/:memberId')
  @HttpCode(204)
  @BareNoContent()
  async removeMember(@CurrentToken() token: TokenContext, @Param('imageId') imageId: string, @Param('memberId') memberId: string, @Req() request: FastifyRequest) {
    const notAllowed = (id: string) => `Not allowed to delete members for image ${id}.`;
    const row = await this.ownedImage(token, imageId, { rule: 'image:delete_member', notOwner: notAllowed, notFound: imageNotFoundShort });
    if (row.visibility !== 'shared') throw new GlanceError(403, notAllowed(row.id));
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
