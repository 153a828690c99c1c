// The ESM entry point. It re-exports the CommonJS build, so ESM and CJS users
// share one module instance: the native addon (its thread pool, compute queue
// and ISA cap) is loaded once per process whichever way qgemm is imported.
export * from '../dist/lib/index.js';
