import fs from 'node:fs';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ImageListAnswer, ImageListQuery, MediaUploadAnswer, MissingMediaAnswer, MissingMediaBody } from '@shared';
import { requireProjectRole } from '../../plugins/app/auth.js';
import { isForeignKeyViolation } from '../../repositories/rows.js';
import { badRequest, notFound } from '../../http-error.js';
import { objectKey } from '../../storage/object-store.js';
import { receiveUpload } from '../../storage/receive-upload.js';
import { acceptRawBodies, contentTypeOf, rawBodyOf, sendFile } from '../raw-body.js';
import { errorAnswers, MediaParams, ProjectParams } from '../route-schemas.js';

/** A project's media by content hash: which are missing, upload, download, and the image list. */
const media: FastifyPluginAsyncZod<{ maxUploadBytes: number }> = async (app, options) => {
  app.addHook('onRequest', app.authenticate);
  acceptRawBodies(app);

  app.post(
    '/api/projects/:id/images/missing',
    {
      preHandler: requireProjectRole('viewer'),
      schema: {
        tags: ['media'],
        summary: 'Which of these media hashes the project lacks',
        params: ProjectParams,
        body: MissingMediaBody,
        response: { 200: MissingMediaAnswer, ...errorAnswers(400, 401, 404) },
      },
    },
    async (request) => {
      const asked = [...new Set(request.body.hashes)];
      const held = await app.repos.media.held(request.params.id, asked);
      // Bytes the database lists but the store lost are asked for again.
      const lost = new Set(await app.sharedObjects.lost('media', [...held]));
      return { missing: asked.filter((h) => !held.has(h) || lost.has(h)) };
    },
  );

  app.put(
    '/api/projects/:id/media/:hash',
    {
      preHandler: requireProjectRole('annotator'),
      schema: {
        tags: ['media'],
        summary: 'Upload one media file by its sha256 (annotator)',
        description: `The body is the file's bytes (application/octet-stream, at most ${options.maxUploadBytes} bytes). Their sha256 must equal :hash. Uploading a file the project has is harmless (200).`,
        consumes: ['application/octet-stream'],
        params: MediaParams,
        response: { 200: MediaUploadAnswer, 201: MediaUploadAnswer, ...errorAnswers(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request, reply) => {
      const { id: projectId, hash } = request.params;
      const upload = await receiveUpload(rawBodyOf(request, options.maxUploadBytes), app.uploadTmpDir, options.maxUploadBytes);
      try {
        if (upload.hash !== hash) throw badRequest(`The bytes sent hash to ${upload.hash}, not ${hash}: the file changed or was cut short. Nothing was stored.`, 'hash_mismatch');
        // The reference and the bytes are settled under the object's lock: a project deleted
        // meanwhile that held the same image cannot take the bytes with it.
        const created = await app.sharedObjects.attach('media', hash, upload.file, upload.bytes, (tx) => app.repos.media.add(tx, projectId, hash, upload.bytes));
        return reply.code(created ? 201 : 200).send({ hash, bytes: upload.bytes, created });
      } catch (err) {
        if (isForeignKeyViolation(err)) throw notFound('This project was deleted while the file was on its way.');
        throw err;
      } finally {
        await fs.promises.rm(upload.file, { force: true });
      }
    },
  );

  app.get(
    '/api/projects/:id/media/:hash',
    {
      preHandler: requireProjectRole('viewer'),
      schema: { tags: ['media'], summary: 'Download one media file', produces: ['application/octet-stream', 'image/*'], params: MediaParams, response: errorAnswers(400, 401, 404) },
    },
    async (request, reply) => {
      const { id: projectId, hash } = request.params;
      if (!(await app.repos.media.has(projectId, hash))) throw notFound('This project has no media with that hash.');
      const stored = await app.objects.get(objectKey('media', hash));
      if (!stored) throw notFound('The server lost this file. It lists it as missing (images/missing) until a studio that has it uploads it again.');
      return sendFile(reply, stored.stream, {
        'content-type': contentTypeOf(await app.repos.media.extOf(projectId, hash)),
        'content-length': stored.bytes,
        etag: `"${hash}"`,
        'cache-control': 'private, max-age=31536000, immutable',
      });
    },
  );

  app.get(
    '/api/projects/:id/images',
    {
      preHandler: requireProjectRole('viewer'),
      schema: {
        tags: ['media'],
        summary: "The project's images, a page at a time",
        params: ProjectParams,
        querystring: ImageListQuery,
        response: { 200: ImageListAnswer, ...errorAnswers(400, 401, 404) },
      },
    },
    async (request) => {
      const { after, limit } = request.query;
      const { images, total } = await app.repos.media.listImages(request.params.id, after, limit + 1);
      const more = images.length > limit;
      const page = images.slice(0, limit);
      return { images: page, total, cursor: page.length ? page[page.length - 1].revision : after, more };
    },
  );
};
export default media;
