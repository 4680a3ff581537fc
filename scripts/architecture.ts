// The architecture rules of docs/architecture.md, checked on the source: `npx tsx scripts/architecture.ts`
// prints every violation (test/architecture.test.ts fails on any).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

export const SRC = fileURLToPath(new URL('../src/', import.meta.url))

/**
 * The layers, lowest first. A module may import from its own layer and the layers below, never above.
 * Matched on the path under src/ (first match wins).
 */
export const LAYERS: ReadonlyArray<{ name: string; paths: readonly string[] }> = [
  { name: 'core', paths: ['core/', 'tables/', 'config.ts', 'logger.ts'] },
  { name: 'db', paths: ['db/'] },
  { name: 'services', paths: ['services/'] },
  { name: 'search', paths: ['search/'] },
  { name: 'transport', paths: ['transport/'] },
  { name: 'bot', paths: ['bot/'] },
  { name: 'features', paths: ['features/', 'handlers/', 'pipelines/', 'stats/', 'ops-report/'] },
  { name: 'app', paths: ['app.ts', 'http/', 'cli/', 'demo/', 'main.ts'] },
]

export interface ImportEdge {
  /** Paths under src/. */
  readonly from: string
  readonly to: string
  readonly line: number
  /** `import type`, or every named binding `type`: erased at runtime. */
  readonly typeOnly: boolean
  /** `import('…')`: evaluated when called, not when the module loads. */
  readonly dynamic: boolean
}

export function sourceFiles(dir = SRC): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p))
    else if (p.endsWith('.ts')) out.push(p)
  }
  return out.sort()
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true
    const c = node.exportClause
    return !!c && ts.isNamedExports(c) && c.elements.length > 0 && c.elements.every((e) => e.isTypeOnly)
  }
  const clause = node.importClause
  if (!clause) return false // a side-effect import runs the module
  if (clause.isTypeOnly) return true
  const named = clause.namedBindings
  return (
    !clause.name &&
    !!named &&
    ts.isNamedImports(named) &&
    named.elements.length > 0 &&
    named.elements.every((e) => e.isTypeOnly)
  )
}

/** Every relative import of every module under src/, parsed with the TypeScript compiler. */
export function importEdges(files = sourceFiles()): ImportEdge[] {
  const edges: ImportEdge[] = []
  for (const file of files) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
    const add = (spec: string, node: ts.Node, typeOnly: boolean, dynamic: boolean) => {
      if (!spec.startsWith('.')) return
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'))
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1
      edges.push({ from: relative(SRC, file), to: relative(SRC, target), line, typeOnly, dynamic })
    }
    const visit = (node: ts.Node): void => {
      if (
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
        node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        add(node.moduleSpecifier.text, node, isTypeOnly(node), false)
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const arg = node.arguments[0]
        if (arg && ts.isStringLiteral(arg)) add(arg.text, node, false, true)
      } else if (
        ts.isImportTypeNode(node) &&
        ts.isLiteralTypeNode(node.argument) &&
        ts.isStringLiteral(node.argument.literal)
      ) {
        add(node.argument.literal.text, node, true, false)
      }
      ts.forEachChild(node, visit)
    }
    visit(sf)
  }
  return edges
}

export function layerOf(path: string): number {
  const i = LAYERS.findIndex((l) => l.paths.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p)))
  if (i < 0)
    throw new Error(
      `src/${path} is in no layer: add its folder to LAYERS (scripts/architecture.ts) and docs/architecture.md`,
    )
  return i
}

/** Imports (value, type-only and dynamic alike) that point at a higher layer. */
export function layerViolations(edges = importEdges()): string[] {
  return edges
    .filter((e) => layerOf(e.to) > layerOf(e.from))
    .map(
      (e) =>
        `src/${e.from}:${e.line} (${LAYERS[layerOf(e.from)]!.name}) imports src/${e.to} (${LAYERS[layerOf(e.to)]!.name})${e.typeOnly ? ' [type]' : ''}${e.dynamic ? ' [dynamic]' : ''}`,
    )
}

/**
 * Cycles among the imports that run when a module loads: static value imports. Type-only imports are
 * erased by the compiler; dynamic import() runs later, once every module has loaded (lazy handlers).
 */
export function runtimeCycles(edges = importEdges()): string[][] {
  const graph = new Map<string, string[]>()
  for (const e of edges) {
    if (e.typeOnly || e.dynamic) continue
    graph.set(e.from, [...(graph.get(e.from) ?? []), e.to])
  }
  // Tarjan's strongly connected components.
  let index = 0
  const idx = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const out: string[][] = []
  const strong = (v: string): void => {
    idx.set(v, index)
    low.set(v, index++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        scc.push(w)
      } while (w !== v)
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort())
    }
  }
  for (const v of graph.keys()) if (!idx.has(v)) strong(v)
  return out
}

/** The longest a function may be, counted from its first line to its last (nested functions included). */
export const MAX_FUNCTION_LINES = 80

/** Functions (declarations, methods, arrows, accessors) longer than MAX_FUNCTION_LINES. */
export function longFunctions(files = sourceFiles(), max = MAX_FUNCTION_LINES): string[] {
  const out: string[] = []
  for (const file of files) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line
        const last = sf.getLineAndCharacterOfPosition(node.end).line
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : ts.SyntaxKind[node.kind]
        if (last - first + 1 > max)
          out.push(`src/${relative(SRC, file)}:${first + 1} ${name}: ${last - first + 1} lines`)
      }
      ts.forEachChild(node, visit)
    }
    visit(sf)
  }
  return out
}

/**
 * SQL outside src/db/ (docs/architecture.md: all SQL in db/): the SQLite handle (`.sqlite`), statements
 * prepared or queried (`.prepare(`, `.query(`), and the drivers themselves imported.
 */
export function sqlOutsideDb(files = sourceFiles()): string[] {
  const out: string[] = []
  for (const file of files) {
    const rel = relative(SRC, file)
    if (rel.startsWith('db/')) continue
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
    const at = (node: ts.Node, what: string) =>
      out.push(`src/${rel}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1} ${what}`)
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node)) {
        const name = node.name.text
        if (name === 'sqlite') at(node, 'uses the SQLite handle (.sqlite)')
        else if (
          (name === 'prepare' || name === 'query') &&
          ts.isCallExpression(node.parent) &&
          node.parent.expression === node
        )
          at(node, `runs SQL (.${name}())`)
      } else if ((ts.isImportDeclaration(node) || ts.isCallExpression(node)) && DRIVERS.has(moduleOf(node) ?? ''))
        at(node, `imports the driver ${moduleOf(node)}`)
      ts.forEachChild(node, visit)
    }
    visit(sf)
  }
  return out
}

const DRIVERS = new Set(['better-sqlite3', 'pg', 'drizzle-orm/better-sqlite3', 'drizzle-orm/node-postgres'])

/** The module an import declaration or a dynamic import() names. */
function moduleOf(node: ts.ImportDeclaration | ts.CallExpression): string | undefined {
  if (ts.isImportDeclaration(node))
    return ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier.text : undefined
  if (node.expression.kind !== ts.SyntaxKind.ImportKeyword) return undefined
  const arg = node.arguments[0]
  return arg && ts.isStringLiteral(arg) ? arg.text : undefined
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const edges = importEdges()
  const problems = [
    ...layerViolations(edges).map((v) => `layer: ${v}`),
    ...runtimeCycles(edges).map((c) => `cycle: ${c.join(' → ')}`),
    ...longFunctions().map((f) => `long function: ${f}`),
    ...sqlOutsideDb().map((f) => `sql outside src/db: ${f}`),
  ]
  for (const p of problems) console.log(p)
  console.log(problems.length ? `${problems.length} problem(s)` : 'architecture rules hold')
  process.exitCode = problems.length ? 1 : 0
}
