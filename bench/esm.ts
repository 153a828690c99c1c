/**
 * Loads an ES module from CommonJS output. tsc (module: commonjs) would turn
 * `import()` into `require()`, which cannot load ES-only packages, so
 * the real dynamic import is hidden from it in a Function.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const dynamicImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

export async function importEsm<T>(specifier: string): Promise<T> {
  return (await dynamicImport(specifier)) as T;
}

/** Like importEsm, but undefined (not a throw) when the package is not installed. */
export async function importOptional<T>(specifier: string): Promise<T | undefined> {
  try {
    return await importEsm<T>(specifier);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}
