import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { AppError, validationError } from '../errors.ts';

/** Parsed bodies nested deeper than this are refused (400) before any code walks them. */
export const MAX_BODY_DEPTH = 64;
/**
 * After an early answer (413, 401, …) what the client still sends is read and dropped, up
 * to about this much, so the client finishes sending and reads the answer instead of a
 * reset connection. A larger declared body gets `Connection: close` instead.
 */
export const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Whether a parsed value (JSON, a form) has objects or arrays nested more than `max`
 * deep; walked without recursion, so no depth can overflow the stack.
 *
 * @example nestedDeeperThan({ a: [[1]] }, 2) // true: object, array, array
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (top.v === null || typeof top.v !== 'object' || Buffer.isBuffer(top.v)) continue;
    if (top.depth >= max) return true;
    for (const child of Object.values(top.v)) stack.push({ v: child, depth: top.depth + 1 });
  }
  return false;
}

/** The 400 for a body nested deeper than `MAX_BODY_DEPTH`, naming the body. */
export function tooDeep(): AppError {
  return validationError([
    {
      field: 'body',
      message: `is nested deeper than ${MAX_BODY_DEPTH} levels of objects and arrays`,
    },
  ]);
}

/** A request whose body is still on its way, watched until it arrives or is given up. */
interface Watch {
  request: FastifyRequest;
  reply: FastifyReply;
  started: number;
  /** `socket.bytesRead` when watching began, and the route's body limit. */
  startBytes: number;
  limit: number;
  lastProgress: number;
  lastBytes: number;
  /** `socket.bytesRead` when the answer started; the body is drained from then on. */
  answeredAt: number | undefined;
  /** A multipart body is watched past its arrival, until it is answered (see tick). */
  multipart: boolean;
  /** When the whole body had arrived, if it had. */
  arrivedAt: number | undefined;
}

const declaredLength = (raw: IncomingMessage): number =>
  raw.headers['content-length'] === undefined ? Number.NaN : Number(raw.headers['content-length']);

const hasBody = (raw: IncomingMessage): boolean =>
  raw.headers['transfer-encoding'] !== undefined || declaredLength(raw) > 0;

/**
 * Limits a client can read, and bodies that cannot hold a server hostage:
 *
 * - a declared `Content-Length` over the route's body limit is a 413 before any byte of
 *   the body is read (uploads: the upload limit plus a little for the multipart framing);
 * - `Expect: 100-continue` is answered with 100 only when the body will be read, and with
 *   the final answer (a 413, a 401) instead otherwise;
 * - a body still arriving after the answer is drained up to `DRAIN_LIMIT_BYTES`, so the
 *   answer reaches a client that is still sending;
 * - a body that pauses longer than `BZCTRL_BODY_IDLE_TIMEOUT` or takes longer in all than
 *   `BZCTRL_BODY_TIMEOUT` is answered 408 and its connection closed (after an answer: just
 *   closed), which also ends an unfinished upload and frees its temp file;
 * - parsed bodies nested deeper than `MAX_BODY_DEPTH` are a 400 naming the body.
 *
 * Errors go through each route's own error handler, so they keep the route's shape.
 */
export function useBodyLimits(app: FastifyInstance, config: Config): void {
  const idleMs = config.bodyIdleTimeoutSeconds * 1000;
  const totalMs = config.bodyTimeoutSeconds * 1000;
  const tickMs = Math.min(1000, Math.max(25, Math.min(idleMs, totalMs) / 10));
  const watches = new Map<IncomingMessage, Watch>();
  /** Requests whose client waits for `100 Continue` before it sends the body. */
  const awaitingContinue = new WeakSet<IncomingMessage>();
  let timer: NodeJS.Timeout | undefined;

  function expire(w: Watch, err: AppError) {
    watches.delete(w.request.raw);
    if (w.answeredAt !== undefined || w.reply.sent || w.reply.raw.headersSent) {
      w.request.raw.socket?.destroy();
      return;
    }
    w.request.log.info({ reason: err.detail }, 'request body given up');
    // The connection goes once the answer is out; that also ends whatever still reads it.
    w.reply.header('connection', 'close');
    w.reply.send(err);
  }

  function tick() {
    const now = Date.now();
    for (const w of watches.values()) {
      const raw = w.request.raw;
      const socket = raw.socket;
      if (raw.destroyed || !socket || socket.destroyed || (raw.complete && !w.multipart)) {
        watches.delete(raw);
        continue;
      }
      if (raw.complete) {
        // The multipart parser has every byte; it answers in milliseconds unless it got
        // stuck on a malformed part header (it can), which would hold the request forever.
        w.arrivedAt ??= now;
        if (w.answeredAt !== undefined) watches.delete(raw);
        else if (now - w.arrivedAt >= idleMs) {
          expire(
            w,
            new AppError(
              'bad_request',
              'The multipart body could not be read: a part header is malformed',
            ),
          );
        }
        continue;
      }
      if (socket.bytesRead !== w.lastBytes) {
        w.lastBytes = socket.bytesRead;
        w.lastProgress = now;
      }
      if (w.answeredAt !== undefined && socket.bytesRead - w.answeredAt > DRAIN_LIMIT_BYTES) {
        watches.delete(raw);
        socket.destroy();
      } else if (w.answeredAt === undefined && socket.bytesRead - w.startBytes > w.limit) {
        // JSON and forms stop at the limit themselves; this catches a multipart body's
        // parts that no file limit counts (preamble, epilogue, many small fields).
        expire(
          w,
          new AppError('payload_too_large', 'The request body is larger than this server accepts'),
        );
      } else if (now - w.lastProgress >= idleMs) {
        const idle = `No part of the request body arrived for ${config.bodyIdleTimeoutSeconds} s`;
        expire(w, new AppError('request_timeout', idle));
      } else if (now - w.started >= totalMs) {
        const slow = `The request body did not arrive within ${config.bodyTimeoutSeconds} s`;
        expire(w, new AppError('request_timeout', slow));
      }
    }
    if (watches.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  // With a listener, Node leaves `100 Continue` to the application (see preParsing).
  app.server.on('checkContinue', (req: IncomingMessage, res) => {
    awaitingContinue.add(req);
    app.server.emit('request', req, res);
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    watches.clear();
  });

  app.addHook('onRequest', async (request, reply) => {
    const raw = request.raw;
    const multipart = /^multipart\//i.test(request.headers['content-type'] ?? '');
    if ((raw.complete && !multipart) || !hasBody(raw) || !raw.socket) return;
    const now = Date.now();
    watches.set(raw, {
      request,
      reply,
      started: now,
      startBytes: raw.socket.bytesRead,
      limit: request.routeOptions.bodyLimit ?? config.bodyLimitBytes,
      lastProgress: now,
      lastBytes: raw.socket.bytesRead,
      answeredAt: undefined,
      multipart,
      arrivedAt: undefined,
    });
    timer ??= setInterval(tick, tickMs).unref();
  });

  // After authentication (onRequest), before any byte of the body is read.
  app.addHook('preParsing', async (request, reply) => {
    const declared = declaredLength(request.raw);
    const limit = request.routeOptions.bodyLimit ?? config.bodyLimitBytes;
    if (declared > limit) {
      throw new AppError(
        'payload_too_large',
        `The request body is larger than this server accepts: Content-Length says ${declared} bytes, the limit here is ${limit} bytes`,
      );
    }
    if (awaitingContinue.delete(request.raw)) reply.raw.writeContinue();
  });

  app.addHook('preValidation', async (request) => {
    if (typeof request.body === 'object' && nestedDeeperThan(request.body, MAX_BODY_DEPTH)) {
      throw tooDeep();
    }
  });

  // A body still arriving after the answer is drained, unread: whoever read it is done,
  // and a reader that stopped half-way (the multipart parser after a refused part, with
  // parts nobody consumes) would hold it paused and hang the connection. And Node
  // forgets a request once its answer is out: if the connection then closes before the
  // body arrived, nothing tells whoever still reads it (an upload's temp file would stay
  // open). Ending the request frees them.
  app.addHook('onResponse', async (request) => {
    const raw = request.raw;
    const socket = raw.socket;
    if (raw.readableEnded || !hasBody(raw) || !socket) return;
    if (socket.destroyed) {
      raw.destroy();
      return;
    }
    raw.unpipe();
    raw.resume();
    const onClose = () => raw.destroy();
    socket.once('close', onClose);
    raw.once('end', () => socket.off('close', onClose));
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const raw = request.raw;
    const w = watches.get(raw);
    if (w) w.answeredAt = raw.socket?.bytesRead ?? 0;
    if (raw.complete || !hasBody(raw)) return payload;
    if (awaitingContinue.has(raw) || declaredLength(raw) > DRAIN_LIMIT_BYTES) {
      // The client will not send (it waits for 100), or sending would take too long.
      reply.header('connection', 'close');
    } else if (reply.statusCode === 413 && reply.getHeader('connection') === 'close') {
      // Fastify closes after a body over the limit; closing on unread bytes resets the
      // connection, and the client never sees the 413. It is drained instead (see tick).
      reply.removeHeader('connection');
    }
    return payload;
  });
}
