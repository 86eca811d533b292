import { defineConfig } from 'vitest/config';

// Integration tests of every project: they talk to the real Kafka, Schema Registry and PostgreSQL
// that `./vigil stack up` starts (./vigil test starts it first).
export default defineConfig({
  test: {
    projects: ['{apps,libs,tools}/*/vitest.integration.config.mts', 'bpf*/vitest.integration.config.mts'],
  },
});
