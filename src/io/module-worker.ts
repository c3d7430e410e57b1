import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * A worker thread running the ES module at `url`: the built `.js` file as it is, or under tsx (the
 * tests run the sources) the `.ts` file, through a tiny bootstrap that registers tsx first, since a
 * worker does not inherit its parent's loader.
 */
export function startModuleWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url, options);
  const api = import.meta.resolve("tsx/esm/api");
  const code = `const { register } = await import(${JSON.stringify(api)}); register(); await import(${JSON.stringify(url.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), options);
}

/** The URL of the module `name` (without extension) beside `base`: `.ts` under tsx, else `.js`. */
export function siblingModule(base: string, name: string): URL {
  return new URL(`./${name}${base.endsWith(".ts") ? ".ts" : ".js"}`, base);
}
