import { integrationProject } from '../../vitest.shared.mts';

// End-to-end: the built API (serving the built UI) against a fresh database, driven in real Chromium.
export default integrationProject(import.meta.dirname, 'web', { test: { testTimeout: 240_000 } });
