import fs from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ModelCreateBody, ModelListQuery, ModelPublic, ModelUpdateBody, type ProjectRole } from '@shared';
import { checkProjectRole, currentUser, requireProjectRole, roleAtLeast } from '../../plugins/app/auth.js';
import { conflict, forbidden, notFound } from '../../http-error.js';
import { objectKey } from '../../storage/object-store.js';
import { receiveUpload } from '../../storage/receive-upload.js';
import { acceptRawBodies, rawBodyOf, sendFile } from '../raw-body.js';
import { NoContent, errorAnswers, ProjectParams } from '../route-schemas.js';

const ModelParams = z.object({ id: z.string().uuid() });
const NO_MODEL = 'No such model, or you are not a member of its project.';

/** A model the caller may act on with `needed`; non-members get 404 as for a model that does not exist. */
async function modelFor(app: FastifyInstance, request: FastifyRequest, id: string, needed: ProjectRole): Promise<ModelPublic & { role: ProjectRole }> {
  const model = await app.repos.models.byId(id);
  if (!model) throw notFound(NO_MODEL);
  const role = await app.repos.projects.roleOf(currentUser(request).id, model.projectId);
  // The same 404 as for no model at all: a non-member learns nothing, not even that it exists.
  if (!role) throw notFound(NO_MODEL);
  if (!roleAtLeast(role, needed)) throw forbidden(`This needs the ${needed} role in the model's project; yours is ${role}. Ask an owner.`);
  return { ...model, role };
}

/** The model registry. Access follows the model's project: viewers read, annotators add and rename, owners (or the model's author) delete. */
const models: FastifyPluginAsyncZod<{ maxUploadBytes: number }> = async (app, options) => {
  app.addHook('onRequest', app.authenticate);
  acceptRawBodies(app);

  app.post(
    '/api/projects/:id/models',
    {
      preHandler: requireProjectRole('annotator'),
      schema: { tags: ['models'], summary: 'Add a model to the registry (annotator); upload its file next', params: ProjectParams, body: ModelCreateBody, response: { 201: ModelPublic, ...errorAnswers(400, 401, 403, 404) } },
    },
    async (request, reply) => reply.code(201).send(await app.repos.models.create(request.params.id, request.body, currentUser(request).email)),
  );

  app.get(
    '/api/models',
    { schema: { tags: ['models'], summary: 'Models of a project, or of all your projects', querystring: ModelListQuery, response: { 200: z.array(ModelPublic), ...errorAnswers(400, 401, 404) } } },
    async (request) => {
      const { projectId } = request.query;
      if (projectId) await checkProjectRole(app, request, projectId, 'viewer');
      return app.repos.models.list(currentUser(request).id, projectId);
    },
  );

  app.get(
    '/api/models/:id',
    { schema: { tags: ['models'], summary: 'One model', params: ModelParams, response: { 200: ModelPublic, ...errorAnswers(400, 401, 404) } } },
    async (request) => {
      const { role: _role, ...model } = await modelFor(app, request, request.params.id, 'viewer');
      return model;
    },
  );

  app.put(
    '/api/models/:id/file',
    {
      schema: {
        tags: ['models'],
        summary: "Upload a model's file (annotator)",
        description: `The body is the file (application/octet-stream, at most ${options.maxUploadBytes} bytes); the server stores its sha256. A model's file is set once (409 for a different one).`,
        consumes: ['application/octet-stream'],
        params: ModelParams,
        response: { 200: ModelPublic, ...errorAnswers(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const model = await modelFor(app, request, request.params.id, 'annotator');
      const upload = await receiveUpload(rawBodyOf(request, options.maxUploadBytes), app.uploadTmpDir, options.maxUploadBytes);
      try {
        if (model.fileHash && model.fileHash !== upload.hash) throw conflict('This model has a file already: add a new model for other weights.');
        // Model files are shared by content too: the reference is set under the object's lock.
        await app.sharedObjects.attach('models', upload.hash, upload.file, upload.bytes, async (tx) => {
          if (!(await app.repos.models.setFile(tx, model.id, upload.hash, upload.bytes))) throw conflict('This model has a file already: add a new model for other weights.');
        });
      } finally {
        await fs.promises.rm(upload.file, { force: true });
      }
      return (await app.repos.models.byId(model.id))!;
    },
  );

  app.get(
    '/api/models/:id/file',
    { schema: { tags: ['models'], summary: "Download a model's file", produces: ['application/octet-stream'], params: ModelParams, response: errorAnswers(400, 401, 404) } },
    async (request, reply) => {
      const model = await modelFor(app, request, request.params.id, 'viewer');
      if (!model.fileHash) throw notFound('This model has no file yet: upload it first.');
      const stored = await app.objects.get(objectKey('models', model.fileHash));
      if (!stored) throw notFound('The server lost this model file: upload the same file to this model again.');
      const fileName = `${model.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'model'}.${model.format}`;
      return sendFile(reply, stored.stream, {
        'content-type': 'application/octet-stream',
        'content-length': stored.bytes,
        etag: `"${model.fileHash}"`,
        'content-disposition': `attachment; filename="${fileName}"`,
      });
    },
  );

  app.patch(
    '/api/models/:id',
    { schema: { tags: ['models'], summary: 'Rename a model (annotator)', params: ModelParams, body: ModelUpdateBody, response: { 200: ModelPublic, ...errorAnswers(400, 401, 403, 404) } } },
    async (request) => {
      const model = await modelFor(app, request, request.params.id, 'annotator');
      const renamed = await app.repos.models.rename(model.id, request.body.name);
      if (!renamed) throw notFound(NO_MODEL);
      return renamed;
    },
  );

  app.delete(
    '/api/models/:id',
    { schema: { tags: ['models'], summary: "Delete a model (the project's owner, or the annotator who added it)", params: ModelParams, response: { 204: NoContent, ...errorAnswers(400, 401, 403, 404) } } },
    async (request, reply) => {
      const model = await modelFor(app, request, request.params.id, 'annotator');
      if (!roleAtLeast(model.role, 'owner') && model.createdBy !== currentUser(request).email) throw forbidden('Only an owner of the project or the model\'s author may delete it.');
      const { fileHash } = await app.repos.models.delete(model.id);
      if (fileHash) await app.sharedObjects.release('models', [fileHash]);
      return reply.code(204).send(null);
    },
  );
};
export default models;
