import { unitProject } from '../../vitest.shared.mts';
export default unitProject(import.meta.dirname, 'api-client');
