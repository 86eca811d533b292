import swc from 'unplugin-swc';
import { integrationProject } from '../../vitest.shared.mts';

// NestJS reads constructor parameter types from decorator metadata, which esbuild does not emit: SWC does.
export default integrationProject(import.meta.dirname, 'api', { plugins: [swc.vite({ module: { type: 'es6' } })] });
