// Answer serializers compiled once per process. fastify compiles a fast-json-stringify function for
// every response schema of every route of every app it builds; a process that builds many apps (a
// test file: one per test) recompiled the same ~90 schemas each time, ~50 ms an app. Here the
// default compiler is kept and its functions are shared by schema (and options) text, so a second
// app reuses the first's. A serving process builds one app: nothing changes for it.
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

type BuildSerializer = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer']>

const compiled = new Map<string, ReturnType<ReturnType<BuildSerializer>>>()
const defaultFactory = SerializerSelector() as BuildSerializer

export const sharedSerializers: BuildSerializer = (externalSchemas, options) => {
  const compile = defaultFactory(externalSchemas, options)
  const context = JSON.stringify([externalSchemas, options])
  return (route) => {
    const key = `${context}${JSON.stringify(route.schema)}`
    let serialize = compiled.get(key)
    if (serialize === undefined) compiled.set(key, (serialize = compile(route)))
    return serialize
  }
}
