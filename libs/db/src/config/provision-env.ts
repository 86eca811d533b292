/** The environment of `provision.js` (Compose's db-migrate), read once. */
export interface ProvisionEnv {
  /** The owner role's URL. */
  databaseUrl: string | undefined;
  /** VIGIL_DB_<SERVICE>_PASSWORD by service name in upper case. */
  passwords: Record<string, string | undefined>;
}

export function readProvisionEnv(env: Record<string, string | undefined> = process.env): ProvisionEnv {
  return {
    databaseUrl: env.VIGIL_DATABASE_URL,
    passwords: { GATEWAY: env.VIGIL_DB_GATEWAY_PASSWORD, ANALYZER: env.VIGIL_DB_ANALYZER_PASSWORD, API: env.VIGIL_DB_API_PASSWORD },
  };
}
