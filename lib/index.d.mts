// Types of the ESM entry point (lib/index.mjs): the same API as the CommonJS build.
export * from '../dist/lib/index.js';
