import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  attachUpload,
  listAttachments,
  openAttachment,
  removeAttachment,
  storeUpload,
  type Upload,
} from '../../core/attachments/attachments.service.ts';
import { attachmentDisposition } from '../../core/attachments/file-names.ts';
import { AppError } from '../../platform/errors.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { multipartError, useLastMultipartBoundary } from '../../platform/http/multipart.ts';
import { problemResponses } from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';
import { sendItsmFailure } from '../itsm/itsm.failure.ts';
import { ItsmFailure, itsmFailures } from '../itsm/itsm.schemas.ts';
import {
  AttachBody,
  AttachmentParams,
  attachmentSchemas,
  UploadForm,
} from './attachments.schemas.ts';
import { TodoRefParams } from './todos.schemas.ts';

const TODO = '/bzctrl-core-api/api/v1/todos/:ref/attachments';
/**
 * An upload's body may exceed the upload limit by this much (part headers, boundaries, a
 * few small fields); a declared Content-Length beyond is a 413 before the body is read.
 */
const MULTIPART_ALLOWANCE = 1024 * 1024;

/** Reads the one file of a multipart upload (field `file`) and stores it, streamed. */
async function receiveUpload(
  request: FastifyRequest,
  deps: AppDeps,
  dialect: 'native' | 'itsm',
): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new AppError(
      'unsupported_media_type',
      'Send the file as multipart/form-data, in the field "file"',
    );
  }
  let part: Awaited<ReturnType<FastifyRequest['file']>>;
  try {
    part = await request.file();
  } catch (err) {
    // A broken multipart body is the client's fault, named as such.
    throw multipartError(err) ?? err;
  }
  if (part?.fieldname !== 'file') {
    // Drain what was sent, so the answer is not cut off by an unread body.
    part?.file.resume();
    throw new AppError('validation_failed', 'file: is required', [
      { field: 'file', message: 'is required (a multipart file field named "file")' },
    ]);
  }
  return storeUpload(ctxOf(request, deps, dialect), {
    filename: part.filename,
    stream: part.file,
    truncated: () => part.file.truncated,
  });
}

/**
 * `receiveUpload`, unless the request was answered meanwhile (a body timeout, a stuck
 * multipart parser; see http/body-limits.ts): then its late failure is no second answer,
 * and the result is undefined.
 */
async function receiveUnanswered(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: AppDeps,
  dialect: 'native' | 'itsm',
): Promise<Upload | undefined> {
  try {
    return await receiveUpload(request, deps, dialect);
  } catch (err) {
    if (!reply.sent) throw err;
    request.log.debug({ err }, 'an upload ended after it was answered');
    return undefined;
  }
}

/**
 * Uploads (native and ITSM `oprfile`) and a todo's attachments. Registered as its own
 * plugin: multipart parsing, with the upload limit, exists only in this scope.
 */
export async function attachmentRoutes(instance: FastifyInstance, deps: AppDeps) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(multipart, {
    limits: {
      fileSize: deps.config.uploadLimitBytes,
      files: 1,
      fields: 10,
      fieldSize: 64 * 1024,
      parts: 20,
    },
  });
  useLastMultipartBoundary(app);
  for (const schema of attachmentSchemas) app.addSchema(schema);
  // The ITSM routes register their envelope in their own scope; oprfile shares it.
  if (!app.getSchema('ItsmFailure')) app.addSchema(ItsmFailure);
  const auth = (scope: 'todo:read' | 'todo:write') => ({
    onRequest: app.authenticate,
    preHandler: requireScope(scope),
  });
  const common = { security: [{ bearer: [] }] };
  const uploadBodyLimit = deps.config.uploadLimitBytes + MULTIPART_ALLOWANCE;
  // The file is streamed by the handler, not parsed into the body: validation sees a
  // placeholder, while the schema still documents the form for OpenAPI and the SDK.
  const streamedBody = async (request: FastifyRequest) => {
    if (request.isMultipart()) request.body = { file: '' };
  };

  app.post('/api/oprfile', {
    bodyLimit: uploadBodyLimit,
    ...auth('todo:write'),
    preValidation: streamedBody,
    errorHandler: sendItsmFailure,
    schema: {
      ...common,
      tags: ['itsm'],
      summary: 'Upload a file (ITSM dialect); pass refFileName in attachmentsRefNames',
      consumes: ['multipart/form-data'],
      body: UploadForm,
      response: { 200: Type.Ref('OprFileAnswer'), ...itsmFailures },
    },
    handler: async (request, reply) => {
      const upload = await receiveUnanswered(request, reply, deps, 'itsm');
      if (upload === undefined) return;
      return { refFileName: upload.ref, realName: upload.name, link: null };
    },
  });

  app.post('/bzctrl-core-api/api/v1/uploads', {
    bodyLimit: uploadBodyLimit,
    ...auth('todo:write'),
    preValidation: streamedBody,
    schema: {
      ...common,
      tags: ['todos'],
      summary: 'Upload a file, private to you until attached to a todo (within 24 hours)',
      consumes: ['multipart/form-data'],
      body: UploadForm,
      response: { 201: Type.Ref('Upload'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const upload = await receiveUnanswered(request, reply, deps, 'native');
      if (upload !== undefined) return reply.code(201).send(upload);
    },
  });

  app.post(TODO, {
    ...auth('todo:write'),
    schema: {
      ...common,
      tags: ['todos'],
      summary: 'Attach one of your uploads to a todo',
      params: TodoRefParams,
      body: AttachBody,
      response: { 201: Type.Ref('Attachment'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const { ref } = request.params;
      const { upload } = request.body;
      const attachment = await attachUpload(ctxOf(request, deps, 'native'), ref, upload);
      return reply.code(201).send(attachment);
    },
  });

  app.get(TODO, {
    ...auth('todo:read'),
    schema: {
      ...common,
      tags: ['todos'],
      summary: "List a todo's attachments, oldest first",
      params: TodoRefParams,
      response: { 200: Type.Ref('AttachmentList'), ...problemResponses },
    },
    handler: async (request) => {
      const { ref } = request.params;
      return listAttachments(ctxOf(request, deps, 'native'), ref);
    },
  });

  app.get(`${TODO}/:id`, {
    ...auth('todo:read'),
    schema: {
      ...common,
      tags: ['todos'],
      summary: 'Download an attachment',
      params: AttachmentParams,
      response: {
        200: {
          description: 'The file, as its sniffed content type',
          content: {
            'application/octet-stream': { schema: Type.String({ contentEncoding: 'binary' }) },
          },
        },
        ...problemResponses,
      },
    },
    handler: async (request, reply) => {
      const { ref, id } = request.params;
      const { attachment, stream } = await openAttachment(ctxOf(request, deps, 'native'), ref, id);
      // Never rendered by the browser as what it might look like: a download, sandboxed.
      return reply
        .headers({
          'Content-Type': attachment.contentType,
          'Content-Length': String(attachment.size),
          'Content-Disposition': attachmentDisposition(attachment.name),
          'X-Content-Type-Options': 'nosniff',
          'Content-Security-Policy': "default-src 'none'; sandbox",
          'Cache-Control': 'private, no-cache',
        })
        .send(stream);
    },
  });

  app.delete(`${TODO}/:id`, {
    ...auth('todo:write'),
    schema: {
      ...common,
      tags: ['todos'],
      summary: 'Remove an attachment from a todo (audited)',
      params: AttachmentParams,
      response: { 204: { type: 'null', description: 'Removed' }, ...problemResponses },
    },
    handler: async (request, reply) => {
      const { ref, id } = request.params;
      await removeAttachment(ctxOf(request, deps, 'native'), ref, id);
      return reply.code(204).send(null);
    },
  });
}
