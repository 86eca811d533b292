import { errorMessage } from '@vigil/common';
import { ApiConfig } from './config/api.config';
import { createApp } from './http/create-app';

async function main(): Promise<void> {
  const config = ApiConfig.fromProcessEnv();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
}

main().catch((err: unknown) => {
  console.error(`vigil-api: ${errorMessage(err)}`);
  process.exit(1);
});
