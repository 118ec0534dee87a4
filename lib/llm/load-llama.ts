// Load node-llama-cpp, an ESM package with top-level await, from code that must run both
// under tsx/vitest (ESM: a dynamic import works) and in the tslab kernel (which turns our
// code into CommonJS, where import() becomes require() and fails with ERR_REQUIRE_ASYNC_MODULE).
// The CommonJS helper esm-import.cjs keeps a real import() out of the TypeScript compiler's
// reach (ecosystem notes, section 1).
export type NodeLlamaCpp = typeof import('node-llama-cpp');

let loading: Promise<NodeLlamaCpp> | undefined;

/**
 * The node-llama-cpp module, loaded once.
 * @example const { getLlama } = await loadNodeLlamaCpp();
 */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  loading ??= (async () => {
    if (typeof require === 'function') {
      try {
        const esmImport = require('./esm-import.cjs') as (s: string) => Promise<NodeLlamaCpp>;
        return await esmImport('node-llama-cpp');
      } catch {
        /* not resolvable from here: fall back to a plain dynamic import */
      }
    }
    return await import('node-llama-cpp');
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
