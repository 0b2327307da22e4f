import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { callerKey } from '../context.ts';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/tables.ts';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Write requests running, by request: the caller they hold on the primary, and (in a
 * worker of `serve --workers`) the primary's passing that on to the other workers.
 */
const writing = new WeakMap<FastifyRequest, { caller: string; relayed: Promise<void> | null }>();

/**
 * Read replicas (BZCTRL_DATABASE_REPLICA_URLS): a caller's write request holds its reads
 * on the primary from the moment the request asks for its database until the request
 * ends (onResponse, or its client leaving), then until a replica has replayed it.
 */
export function useReadRouting(app: FastifyInstance, db: Db): void {
  const replicas = db.replicas;
  if (!replicas) return;
  const ended = async (request: FastifyRequest) => {
    const write = writing.get(request);
    if (write === undefined) return;
    writing.delete(request);
    replicas.endWrite(write.caller);
  };
  // The answer waits until every other worker knows of the write (usually long since):
  // else the caller's next read could reach one that sends it to a stale replica.
  app.addHook('onSend', async (request, _reply, payload) => {
    const relayed = writing.get(request)?.relayed;
    if (relayed) await relayed;
    return payload;
  });
  app.addHook('onResponse', ended);
  app.addHook('onRequestAbort', ended);
}

/**
 * The database an authenticated request works on: with read replicas, a read request's
 * `reader` (lists, search, the dashboard, the change feed) is a replica fit for its
 * caller, chosen at its first heavy read; every other query, and every query of a write
 * request, stays on the primary. Without replicas: `db` itself.
 */
export function routedDb(db: Db, request: FastifyRequest): Db {
  const replicas = db.replicas;
  if (!replicas || !request.actor) return db;
  const caller = callerKey(request.actor);
  if (!READS.has(request.method)) {
    if (!writing.has(request))
      writing.set(request, { caller, relayed: replicas.beginWrite(caller) });
    return db;
  }
  let reader: Kysely<Database> | undefined;
  return {
    get kysely() {
      return db.kysely;
    },
    get reader() {
      reader ??= replicas.readerFor(caller) ?? db.reader;
      return reader;
    },
    replicas,
    primary: db.primary ?? db,
    engine: db.engine,
    sqliteFile: db.sqliteFile,
    writeBatches: db.writeBatches,
    ping: () => db.ping(),
    close: () => db.close(),
  };
}
