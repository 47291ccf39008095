// Worker threads that run this project's TypeScript. The service runs through tsx (npm start, and
// tap's --import=tsx), whose loader hooks belong to the thread that registered them: each worker
// registers them itself before it imports its module.
import { Worker, type WorkerOptions } from 'node:worker_threads'

/** A worker running `module` (a file URL of a .ts file). */
export const startTypeScriptWorker = (module: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker => {
  const tsx = import.meta.resolve('tsx/esm/api')
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}) })`
  return new Worker(bootstrap, { ...options, eval: true })
}
