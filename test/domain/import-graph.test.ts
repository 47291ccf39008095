// domain/ holds only the business, and its modules import one another in one direction: no
// cycle (issue 15: domain/alerts.ts ↔ domain/webhooks.ts was one), nothing of services/ or
// projections/, and the delivery machinery (retry, Retry-After, durations, signing) and the tree
// math live in services/ (docs/ARCHITECTURE.md, layout). Imports are read with the TypeScript
// parser, `import type` included.
import t from 'tap'
import ts from 'typescript'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const domain = join(root, 'domain')

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )

const importsOf = (file: string): string[] => {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true)
  const found: string[] = []
  source.forEachChild((node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const specifier = node.moduleSpecifier.text
      if (specifier.startsWith('.')) found.push(resolve(dirname(file), specifier))
    }
  })
  return found
}

const files = sources(domain)
const graph = new Map(files.map((file) => [file, importsOf(file)]))
const name = (file: string) => relative(root, file)

t.test('domain/ imports nothing outside itself', async (t) => {
  const outside = [...graph].flatMap(([file, imports]) => imports.filter((target) => !target.startsWith(domain + '/')).map((target) => `${name(file)} → ${name(target)}`))
  t.same(outside, [])
})

t.test('no import cycle among the modules of domain/', async (t) => {
  const cycles: string[] = []
  const state = new Map<string, 'open' | 'done'>()
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].map(name).join(' → '))
      return
    }
    state.set(file, 'open')
    for (const target of graph.get(file) ?? []) visit(target, [...path, file])
    state.set(file, 'done')
  }
  for (const file of files) visit(file, [])
  t.same(cycles, [], `${files.length} modules, no cycle`)
})

t.test('the machinery is out of domain/', async (t) => {
  t.notOk(existsSync(join(domain, 'merkle.ts')), 'merkle.ts is services/audit/merkle.ts')
  t.ok(existsSync(join(root, 'services/audit/merkle.ts')))
  const webhooks = readFileSync(join(domain, 'webhooks.ts'), 'utf8')
  for (const moved of ['retryAfterMs', 'nextStep', 'outcomeOfStatus', 'parseDuration', 'signatureBaseString', 'alertMessage'])
    t.notMatch(webhooks, new RegExp(`export const ${moved}\\b`), `${moved} is not in domain/webhooks.ts`)
})
