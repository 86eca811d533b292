import { integrationProject } from '../../vitest.shared.mts';
export default integrationProject(import.meta.dirname, 'testing');
