import { unitProject } from '../../vitest.shared.mts';
export default unitProject(import.meta.dirname, 'kafka-server');
