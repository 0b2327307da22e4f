import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, validationError } from '../errors.ts';

/** RFC 2046 §5.1.1: a boundary is 1 to 70 characters. */
const MAX_BOUNDARY = 70;

/** What the multipart parser (busboy) throws, without a code, for a broken body or type. */
const PARSER_FAILURE =
  /^(Multipart: |Malformed |Unexpected end of |Unsupported content type|Part terminated early)/;

const MULTIPART_ERRORS: Record<string, () => AppError> = {
  FST_PARTS_LIMIT: () =>
    new AppError('payload_too_large', 'The multipart body has more parts than this endpoint takes'),
  FST_FILES_LIMIT: () =>
    new AppError('payload_too_large', 'The multipart body has more files than this endpoint takes'),
  FST_FIELDS_LIMIT: () =>
    new AppError(
      'payload_too_large',
      'The multipart body has more fields than this endpoint takes',
    ),
  FST_REQ_FILE_TOO_LARGE: () =>
    new AppError('payload_too_large', 'A file in the multipart body is larger than the limit'),
  FST_PROTO_VIOLATION: () =>
    new AppError(
      'bad_request',
      'A part of the multipart body is named after an object property (__proto__, constructor, …): rename the part',
    ),
  FST_INVALID_JSON_FIELD_ERROR: () =>
    new AppError(
      'bad_request',
      'A part of the multipart body declared as application/json is not valid JSON',
    ),
  FST_INVALID_MULTIPART_CONTENT_TYPE: () =>
    new AppError('unsupported_media_type', 'Send the body as multipart/form-data'),
};

/**
 * The client's error in a multipart body, as a 4xx naming the multipart body or part, for
 * an error of the multipart plugin or its parser; undefined for any other error.
 *
 * @example multipartError(new Error('Unexpected end of form'))?.status // 400
 */
export function multipartError(err: unknown): AppError | undefined {
  if (!(err instanceof Error)) return undefined;
  const known = MULTIPART_ERRORS[(err as FastifyError).code ?? ''];
  if (known) return known();
  // The client went away half-way: nobody reads this answer, but it is no server error.
  if ((err as FastifyError).code === 'ECONNRESET') {
    return new AppError('bad_request', 'The multipart body ended early: the connection closed');
  }
  if ((err as FastifyError).code === undefined && PARSER_FAILURE.test(err.message)) {
    return new AppError('bad_request', `The multipart body is malformed: ${err.message}`);
  }
  return undefined;
}

/**
 * Checks a `multipart/form-data` Content-Type before its body is read, for the routes of
 * the scope this is called in: without a boundary of 1 to 70 characters it is a 400 naming
 * the header (the parser would otherwise fail later). Seed 003's curl commands copy a
 * `Content-Type: multipart/form-data; boundary=...` header, and curl then appends its own
 * boundary, which is the one the body uses: the last boundary is kept so such requests
 * parse.
 */
export function useLastMultipartBoundary(app: FastifyInstance): void {
  app.addHook('preParsing', async (request) => {
    const type = request.headers['content-type'];
    if (!type || !/^multipart\/form-data/i.test(type)) return;
    const boundaries = [...type.matchAll(/;\s*boundary=("[^"]*"|[^;\s]*)/gi)];
    const last = boundaries.at(-1)?.[1];
    const value = last?.replace(/^"(.*)"$/, '$1') ?? '';
    if (value.length === 0 || value.length > MAX_BOUNDARY) {
      throw validationError([
        {
          field: 'Content-Type',
          message: `needs a boundary parameter of 1 to ${MAX_BOUNDARY} characters for multipart/form-data (got ${last === undefined ? 'none' : `"${value.slice(0, 80)}"`})`,
        },
      ]);
    }
    if (boundaries.length > 1)
      request.headers['content-type'] = `multipart/form-data; boundary=${last}`;
  });
}
