#!/usr/bin/env node
/**
 * Writes the API's OpenAPI document (built from the DTOs, no database needed) for the typed client:
 *   node apps/api/dist/write-openapi.js [out]   (default libs/api-client/openapi.json)
 * `npm run openapi -w apps/api` also regenerates libs/api-client/src/schema.generated.ts from it.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorMessage } from '@vigil/common';
import { offlineOpenApiDocument, openApiText } from './http/openapi';

/** libs/api-client/openapi.json of this checkout (src and dist are both two levels below apps/api). */
export const DEFAULT_SPEC_PATH = resolve(__dirname, '..', '..', '..', 'libs', 'api-client', 'openapi.json');

async function main(out: string): Promise<void> {
  const doc = await offlineOpenApiDocument();
  writeFileSync(out, openApiText(doc));
  console.log(`wrote ${out} (${Object.keys(doc.paths).length} paths)`);
}

main(resolve(process.argv[2] ?? DEFAULT_SPEC_PATH)).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`write-openapi: ${errorMessage(err)}`);
    process.exit(1);
  },
);
