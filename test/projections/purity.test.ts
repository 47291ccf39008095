// domain/ and projections/ are deterministic: no clock, no randomness, no I/O. This reads every
// source file there with the TypeScript parser (so comments and strings do not count) and imports
// it (so a file that only loads with side effects fails here too).
import t from 'tap'
import ts from 'typescript'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const forbiddenModules = /^(node:)?(fs|fs\/promises|net|http|https|http2|dgram|dns|tls|child_process)$/

const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })

const isName = (node: ts.Node, name: string): boolean => ts.isIdentifier(node) && node.text === name

const isMember = (node: ts.Node, object: string, property: string): boolean =>
  ts.isPropertyAccessExpression(node) && isName(node.expression, object) && node.name.text === property

/** Every impurity in a source text, as `line: what`. */
const impurities = (fileName: string, text: string): string[] => {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true)
  const found: string[] = []
  const report = (node: ts.Node, what: string) =>
    found.push(`${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}: ${what}`)
  const checkModule = (node: ts.Node, specifier: ts.Node | undefined) => {
    if (specifier && ts.isStringLiteral(specifier) && forbiddenModules.test(specifier.text)) report(node, `imports ${specifier.text}`)
  }
  const visit = (node: ts.Node): void => {
    if (isMember(node, 'Date', 'now')) report(node, 'Date.now')
    if (isMember(node, 'Math', 'random')) report(node, 'Math.random')
    if (isMember(node, 'performance', 'now')) report(node, 'performance.now')
    if (ts.isNewExpression(node) && isName(node.expression, 'Date') && (node.arguments?.length ?? 0) === 0) report(node, 'new Date()')
    if (ts.isCallExpression(node) && isName(node.expression, 'Date')) report(node, 'Date() (the current time as text)')
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) checkModule(node, node.moduleSpecifier)
    if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      checkModule(node, node.moduleReference.expression)
    if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || isName(node.expression, 'require')))
      checkModule(node, node.arguments[0])
    ts.forEachChild(node, visit)
  }
  visit(file)
  return found
}

t.test('the checker catches each impurity and ignores comments and strings', async (t) => {
  const dirty = [
    'const a = Date.now()',
    'const b = new Date()',
    'const c = new Date',
    'const d = Math.random()',
    "import { readFileSync } from 'node:fs'",
    "import net from 'net'",
    "export * from 'node:http'",
    "const e = await import('fs/promises')",
    'const f = Date()',
  ]
  for (const line of dirty) t.equal(impurities('x.ts', line).length, 1, line)
  const clean = [
    '// never Date.now() or new Date() here',
    "const s = 'Math.random()'",
    'const d = new Date(0)',
    'const ms = Date.UTC(2020, 0, 1)',
    "import { createHash } from 'node:crypto'",
  ]
  for (const line of clean) t.strictSame(impurities('x.ts', line), [], line)
})

const files = [...sources('domain'), ...sources('projections')]

t.test('domain/ and projections/ hold no clock, randomness or I/O', async (t) => {
  t.ok(files.length > 5, `${files.length} files checked`)
  for (const path of files) t.strictSame(impurities(path, readFileSync(join(root, path), 'utf8')), [], relative(root, join(root, path)))
})

t.test('every domain/ and projections/ module loads', async (t) => {
  for (const path of files) {
    const module = await import(pathToFileURL(join(root, path)).href)
    t.type(module, 'object', path)
  }
})
