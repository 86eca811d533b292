#!/usr/bin/env node
import { DEFAULT_SERVICE_ROLES, applyServiceGrants, ensureLoginRole, type DbService } from './roles';
import { createPool } from './pool';
import { migrate } from './migrate';
import { readProvisionEnv, type ProvisionEnv } from './config/provision-env';

/**
 * The Compose stack's one-shot database steps, run as the owner (never by a service):
 *
 *   node libs/db/dist/provision.js roles    create/update the service login roles (needs CREATEROLE)
 *   node libs/db/dist/provision.js migrate  apply libs/db's migrations
 *   node libs/db/dist/provision.js grants   re-apply every role's grants (after the migrations)
 *
 * Environment (read here only): VIGIL_DATABASE_URL (the owner), and for `roles`
 * VIGIL_DB_GATEWAY_PASSWORD, VIGIL_DB_ANALYZER_PASSWORD, VIGIL_DB_API_PASSWORD.
 */
async function main(step: string | undefined, env: ProvisionEnv): Promise<void> {
  const url = env.databaseUrl;
  if (!url) throw new Error('VIGIL_DATABASE_URL (the owner role) is required');
  const pool = createPool(url, { max: 1, application_name: 'vigil-provision' });
  try {
    switch (step) {
      case 'roles': {
        const services = Object.keys(DEFAULT_SERVICE_ROLES) as DbService[];
        const missing = services.filter((s) => !env.passwords[s.toUpperCase()]).map((s) => `VIGIL_DB_${s.toUpperCase()}_PASSWORD`);
        if (missing.length) throw new Error(`required: ${missing.join(', ')} (deploy/compose/gen-env.sh writes them)`);
        for (const s of services) await ensureLoginRole(pool, DEFAULT_SERVICE_ROLES[s], env.passwords[s.toUpperCase()]!);
        console.log(`roles ${Object.values(DEFAULT_SERVICE_ROLES).join(', ')}: ready`);
        return;
      }
      case 'migrate':
        console.log(`migrations applied: ${(await migrate(pool)).join(', ') || 'none pending'}`);
        return;
      case 'grants':
        await applyServiceGrants(pool);
        console.log('grants applied');
        return;
      default:
        throw new Error('usage: provision.js roles|migrate|grants');
    }
  } finally {
    await pool.end();
  }
}

main(process.argv[2], readProvisionEnv()).catch((err: unknown) => {
  console.error(`vigil provision: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
