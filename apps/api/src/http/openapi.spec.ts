import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { offlineOpenApiDocument, openApiText } from './openapi';

const SPEC = resolve(__dirname, '..', '..', '..', '..', 'libs', 'api-client', 'openapi.json');

describe('OpenAPI document', () => {
  it('is built without a database and matches the committed libs/api-client/openapi.json', async () => {
    const doc = await offlineOpenApiDocument();
    const committed = readFileSync(SPEC, 'utf8');
    // On failure: `npm run openapi -w apps/api` rewrites the spec and the generated client types.
    expect(openApiText(doc), 'libs/api-client/openapi.json is out of date: run `npm run openapi -w apps/api`').toBe(committed);
  });

  it('documents every new read route with a complete response schema', async () => {
    const doc = await offlineOpenApiDocument();
    for (const path of ['/api/overview', '/api/endpoints/{id}', '/api/endpoints/{id}/activity', '/api/endpoints/{id}/process-tree', '/api/baselines', '/api/baselines/{endpointId}/{programKey}', '/api/alerts/{id}']) {
      const ok = doc.paths[path]?.get?.responses['200'] as { content?: Record<string, { schema?: unknown }> } | undefined;
      expect(ok?.content?.['application/json']?.schema, path).toBeDefined();
    }
    const schemas = doc.components?.schemas as Record<string, { required?: string[] }>;
    expect(schemas.AlertDetailDto?.required).toEqual(expect.arrayContaining(['history', 'activity', 'evidenceData', 'notes']));
    expect(schemas.OverviewDto?.required).toEqual(expect.arrayContaining(['endpoints', 'eventsPerSecond', 'drops', 'alertsBySeverity', 'newestAlerts']));
  });
});
