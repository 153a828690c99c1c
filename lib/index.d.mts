// Types of the ESM entry point (lib/index.mjs): the same API as the CommonJS build,
// plus the default export (`import qgemm from 'qgemm'`), which is that build's exports object.
import qgemm from '../dist/lib/index.js';

export * from '../dist/lib/index.js';
export default qgemm;
