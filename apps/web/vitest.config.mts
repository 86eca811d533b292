import react from '@vitejs/plugin-react';
import { unitProject } from '../../vitest.shared.mts';

// Component tests: React in jsdom with Testing Library; the API is an in-memory fake fetch per test.
export default unitProject(import.meta.dirname, 'web', {
  plugins: [react()],
  test: { environment: 'jsdom', setupFiles: ['./src/test-setup.ts'], css: false, testTimeout: 90_000 },
});
