import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** For the UI's pages: scripts, styles and connections only from this origin; never framed. */
const UI_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'";

/**
 * Serve the built web UI (a single-page app) from `dir` on the same origin as the API, so the
 * SameSite=Strict session cookie and the CSRF header work without CORS. Paths under /api are never
 * the UI's. Returns false when there is no build to serve.
 */
export function serveWebUi(app: NestExpressApplication, dir: string): boolean {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return false;
  const isUi = (req: Request): boolean => req.path !== '/api' && !req.path.startsWith('/api/');
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (isUi(req)) res.setHeader('Content-Security-Policy', UI_CSP);
    next();
  });
  app.useStaticAssets(dir, { index: false, fallthrough: true, maxAge: '1h', setHeaders: (res, path) => path.endsWith('index.html') && res.setHeader('Cache-Control', 'no-cache') });
  // Client-side routes (/alerts/123…) get the app shell.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && isUi(req)) {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
      return;
    }
    next();
  });
  return true;
}
