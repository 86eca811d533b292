import type { OpenAPIObject } from '@nestjs/swagger';
import { ApiConfig } from '../config/api.config';
import { createApp, openApiDocument } from './create-app';

/** Configuration of the offline application: never connected, so the address only has to parse. */
const OFFLINE_ENV = { VIGIL_DATABASE_URL: 'postgres://offline@127.0.0.1:9/offline', VIGIL_LOG_LEVEL: 'silent', VIGIL_WEB_DIST: '/nonexistent' };

/**
 * The OpenAPI document of the API, built from the controllers and DTOs of the complete application
 * without a database (its data source is created but never connected, lifecycle hooks never run).
 */
export async function offlineOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await createApp(new ApiConfig(OFFLINE_ENV), 'offline');
  try {
    return openApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The committed text of the document (stable: same DTOs, same bytes). */
export const openApiText = (doc: OpenAPIObject): string => `${JSON.stringify(doc, null, 2)}\n`;
