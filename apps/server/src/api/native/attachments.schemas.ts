import { Type } from 'typebox';
import { itsmFile } from '../itsm/itsm.schemas.ts';
import { TodoRefParams } from './todos.schemas.ts';

/** The multipart form of both upload routes (documented; the file is streamed, not parsed). */
export const UploadForm = Type.Object(
  {
    file: Type.String({
      contentEncoding: 'binary',
      description: 'The file; its name is kept as metadata, its type is sniffed from the content',
    }),
  },
  { required: ['file'] },
);

export const UploadSchema = Type.Object(
  {
    ref: Type.String({
      description: 'The upload reference: attach it to a todo within 24 hours',
      examples: ['q7Jc2mVxQm6Hh1oTnB0aZw'],
    }),
    name: Type.String({ description: 'The original file name, cleaned (metadata only)' }),
    size: Type.Integer({ description: 'Bytes' }),
    contentType: Type.String({ description: 'Sniffed from the first bytes' }),
    sha256: Type.String({ description: 'SHA-256 of the content, hex' }),
  },
  { $id: 'Upload' },
);

/** Seed 003's answer to `POST /api/oprfile`, exactly. */
export const OprFileAnswer = itsmFile(
  Type.Null({
    description:
      'Always null: an upload is private to its uploader until attached, so it has no download URL yet; the incident lists it with its link once attached',
  }),
  'OprFileAnswer',
);

export const AttachmentSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String({ description: 'The original file name, cleaned' }),
    size: Type.Integer({ description: 'Bytes' }),
    contentType: Type.String({ description: 'Sniffed from the first bytes' }),
    sha256: Type.String({ description: 'SHA-256 of the content, hex' }),
    createdAt: Type.String({ format: 'date-time', description: 'When it was attached' }),
    uploadedBy: Type.String({ description: "The uploader's e-mail, or the acting client" }),
  },
  { $id: 'Attachment' },
);

export const AttachmentList = Type.Object(
  { items: Type.Array(Type.Ref('Attachment'), { description: 'Oldest first' }) },
  { $id: 'AttachmentList' },
);

export const AttachBody = Type.Object(
  {
    upload: Type.String({
      minLength: 1,
      description: 'An upload reference of yours (from POST /uploads or /api/oprfile)',
    }),
  },
  { additionalProperties: false },
);

export const AttachmentParams = Type.Object({
  ref: TodoRefParams.properties.ref,
  id: Type.Integer({ minimum: 1, description: 'The attachment id' }),
});

export const attachmentSchemas = [UploadSchema, OprFileAnswer, AttachmentSchema, AttachmentList];
