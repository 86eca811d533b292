import { defineConfig } from 'vitest/config';

// Unit tests of every project in one run: no services needed.
export default defineConfig({
  test: {
    projects: ['{apps,libs,tools}/*/vitest.config.mts', 'bpf*/vitest.config.mts'],
  },
});
