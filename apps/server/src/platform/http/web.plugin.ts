import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../errors.ts';
import { REPOSITORY_ROOT } from '../paths.ts';

/** Where `npm run build` puts the web app and the widget (the repository's layout). */
export const WEB_DIST = join(REPOSITORY_ROOT, 'apps/web/dist/');
export const WIDGET_DIST = join(REPOSITORY_ROOT, 'packages/widget/dist/');

// The app loads only its own files and talks only to this server; nothing may frame it.
const APP_CSP = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

function notBuilt(what: string): never {
  throw new AppError('unavailable', `${what} is not built: run \`npm run build\` and restart`);
}

/**
 * Serves the built web app at `/app/` (hash routes, so a `taskLink`'s
 * `/app/#/todo/<key>` needs nothing from the server) and the embeddable form at
 * `/widget.js`. Hashed assets are cached for good; `index.html` and the widget are
 * revalidated, so a new release shows up on the next load.
 */
export async function webPlugin(app: FastifyInstance) {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/app/'));
  app.get('/app', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/app/'));

  if (existsSync(`${WEB_DIST}index.html`)) {
    await app.register(fastifyStatic, {
      root: WEB_DIST,
      prefix: '/app/',
      decorateReply: false,
      // An array: with preCompressed, a plain string makes `/app/` answer 404.
      index: ['index.html'],
      // The build writes .br and .gz beside each file (apps/web/build/precompress.ts).
      preCompressed: true,
      cacheControl: false,
      setHeaders(reply, path) {
        reply.header(
          'Cache-Control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
        reply.header('Content-Security-Policy', APP_CSP);
        reply.header('X-Content-Type-Options', 'nosniff');
        reply.header('Referrer-Policy', 'same-origin');
      },
    });
  } else {
    app.get('/app/*', { schema: { hide: true } }, async () => notBuilt('The web app'));
  }

  const widget = `${WIDGET_DIST}widget.js`;
  if (existsSync(widget)) {
    app.get('/widget.js', { schema: { hide: true } }, (_request, reply) =>
      sendWidget(reply, widget),
    );
  } else {
    app.get('/widget.js', { schema: { hide: true } }, async () => notBuilt('The widget'));
  }
}

// Host pages on any origin load the script (it holds no secret); the form's own
// calls are what CORS and the exposed endpoint's allowed origins guard.
function sendWidget(reply: FastifyReply, file: string) {
  return reply
    .header('Cache-Control', 'public, max-age=300, must-revalidate')
    .header('Access-Control-Allow-Origin', '*')
    .header('Cross-Origin-Resource-Policy', 'cross-origin')
    .header('X-Content-Type-Options', 'nosniff')
    .type('text/javascript; charset=utf-8')
    .send(createReadStream(file));
}
