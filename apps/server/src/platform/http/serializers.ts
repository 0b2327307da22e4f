import { createHash } from 'node:crypto';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type Factory = ReturnType<typeof SerializerSelector>;
type Serializer = ReturnType<ReturnType<Factory>>;

/**
 * Response serializers compiled once per schema for the whole process, not once per app:
 * fast-json-stringify's code generation is most of the time an app takes to get ready
 * (~0.6 s of ~0.8 s for BzCtrl's routes), and a process that builds the app again (the
 * test suites, a restart in place) would pay it again for the same schemas. A compiled
 * serializer depends only on its schema's content and on the shared schemas it may
 * reference, so it is cached under both (routes build many schemas inline, so the
 * content is the key, not the object). The key is a digest of that content: the shared
 * schemas alone are ~100 KB of JSON, and keeping them in every route's key held ~10 MB.
 */
const compiled = new Map<string, Serializer>();

export const sharedSerializers: Factory = (externalSchemas, options) => {
  const compile = SerializerSelector()(externalSchemas, options);
  const shared = digest(JSON.stringify([externalSchemas ?? null, options ?? null]));
  return (route) => {
    let key: string;
    try {
      key = digest(`${shared}${JSON.stringify(route.schema)}`);
    } catch {
      return compile(route); // not plain JSON (a cycle): compiled for this route alone
    }
    let serializer = compiled.get(key);
    if (!serializer) {
      serializer = compile(route);
      compiled.set(key, serializer);
    }
    return serializer;
  };
};

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}
