// The layer check for packages/fenix/src (see ARCHITECTURE.md, "Layers, bottom to top").
//
// Every top-level folder under src/ belongs to exactly one layer, listed bottom to top in
// packages/fenix/layers.json — the one place the layers are defined (index = layer number). A
// file may import files in its own folder and in folders of a strictly lower layer; never a
// folder of the same layer or a higher one. Files directly in src/ (the entry points, src/index.ts,
// src/protocol.ts) may import anything, and nothing in a folder may import them. There are no
// import cycles at all, type imports included. To add a folder: put its name into the right layer
// of layers.json (a new inner array for a new layer) and add it to the layer table and the
// "Files" section of ARCHITECTURE.md, in the same change; this test fails until a folder found
// under src/ is in layers.json. Subfolders (src/a/b/) count as part of their top-level folder.
import { readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/** file → the files it imports; paths relative to src/, posix separators ("channel/server.ts"). */
type Graph = Record<string, string[]>;
type Layers = string[][];

// ---------------------------------------------------------------------------------------------
// The checker: pure functions, tested below on synthetic graphs.
// ---------------------------------------------------------------------------------------------

/** Every module specifier in a source text: import (type or not), export … from, import("…"), import x = require("…"). */
function extractSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteralLike(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) specifiers.push(arg.text);
    } else if (ts.isImportTypeNode(node)) {
      // `typeof import("./x.js")` / `import("./x.js").Foo` in a type position
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteralLike(arg.literal)) specifiers.push(arg.literal.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteralLike(expr)) specifiers.push(expr.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

type Resolved = { file: string } | { outside: string } | { unresolved: true } | null;

/**
 * A relative specifier from `from` to one of `files` (src-relative paths). "./x.js" maps to
 * "x.ts", "./dir/index.js" to "dir/index.ts", an extensionless "./dir" to "dir.ts" or
 * "dir/index.ts". Returns null for a package specifier ("ws", "node:fs").
 */
function resolveSpecifier(from: string, specifier: string, files: ReadonlySet<string>): Resolved {
  if (!specifier.startsWith("./") && !specifier.startsWith("../") && specifier !== "." && specifier !== "..") return null;
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  if (target === ".." || target.startsWith("../")) return { outside: target };
  const candidates = [target];
  const js = /\.(m|c)?js$/.exec(target);
  if (js) candidates.push(`${target.slice(0, -js[0].length)}.${js[1] ?? ""}ts`);
  candidates.push(`${target}.ts`, `${target}/index.ts`);
  for (const candidate of candidates) if (files.has(candidate)) return { file: candidate };
  return { unresolved: true };
}

/** The top-level folder a file lives in; null for a file directly in src/ (an entry point). */
function folderOf(file: string): string | null {
  const slash = file.indexOf("/");
  return slash === -1 ? null : file.slice(0, slash);
}

/** folder → layer number; throws if layers.json names a folder twice. */
function layerIndex(layers: Layers): Map<string, number> {
  const index = new Map<string, number>();
  layers.forEach((folders, layer) => {
    for (const folder of folders) {
      if (index.has(folder)) throw new Error(`layers.json: folder "${folder}" is in layer ${index.get(folder)} and layer ${layer}`);
      index.set(folder, layer);
    }
  });
  return index;
}

const show = (file: string): string => `src/${file}`;

/** Folders found under src/ that layers.json does not place (given files, or folders as "name/"). */
function checkFolders(files: Iterable<string>, layers: Layers): string[] {
  const index = layerIndex(layers);
  const missing = new Set<string>();
  for (const file of files) {
    const folder = folderOf(file);
    if (folder !== null && !index.has(folder)) missing.add(folder);
  }
  return [...missing].sort().map((folder) => `src/${folder}/ is not in layers.json (put it in a layer, and in ARCHITECTURE.md)`);
}

/** Imports that go sideways, up, or into an entry point. */
function checkLayers(graph: Graph, layers: Layers): string[] {
  const index = layerIndex(layers);
  const problems: string[] = [];
  for (const [from, imports] of Object.entries(graph)) {
    const fromFolder = folderOf(from);
    if (fromFolder === null) continue; // entry points may import anything
    const fromLayer = index.get(fromFolder);
    for (const to of imports) {
      const toFolder = folderOf(to);
      if (toFolder === fromFolder) continue;
      if (toFolder === null) {
        problems.push(`${show(from)} → ${show(to)} (a folder imports the entry point ${show(to)})`);
        continue;
      }
      const toLayer = index.get(toFolder);
      if (fromLayer === undefined || toLayer === undefined) continue; // reported by checkFolders
      if (toLayer > fromLayer) problems.push(`${show(from)} → ${show(to)} (layer ${fromLayer} imports layer ${toLayer})`);
      else if (toLayer === fromLayer) problems.push(`${show(from)} → ${show(to)} (layer ${fromLayer} imports layer ${toLayer}: same layer, another folder)`);
    }
  }
  return problems;
}

/** Import cycles, each as the path a → b → … → a; one per back edge of a DFS, deduplicated. */
function findCycles(graph: Graph): string[][] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const record = (cycle: string[]): void => {
    // rotate so the smallest file comes first, to report a cycle once whichever file the DFS entered it by
    let start = 0;
    for (let i = 1; i < cycle.length; i++) if (cycle[i] < cycle[start]) start = i;
    const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
    const key = rotated.join("\0");
    if (seen.has(key)) return;
    seen.add(key);
    cycles.push([...rotated, rotated[0]]);
  };
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph[file] ?? []) {
      const s = state.get(next);
      if (s === "open") record(stack.slice(stack.lastIndexOf(next)));
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of Object.keys(graph).sort()) if (!state.has(file)) visit(file);
  return cycles;
}

/** Everything wrong with a graph, one readable line each. */
function checkGraph(graph: Graph, layers: Layers): string[] {
  return [
    ...checkFolders(Object.keys(graph), layers),
    ...checkLayers(graph, layers),
    ...findCycles(graph).map((cycle) => `cycle: ${cycle.map(show).join(" → ")}`),
  ];
}

/** The import graph of src texts ({src-relative path: text}); unresolvable or out-of-src relative imports are problems too. */
function buildGraph(sources: Record<string, string>): { graph: Graph; problems: string[] } {
  const files = new Set(Object.keys(sources));
  const graph: Graph = {};
  const problems: string[] = [];
  for (const [file, text] of Object.entries(sources)) {
    const imports = new Set<string>();
    for (const specifier of extractSpecifiers(file, text)) {
      const resolved = resolveSpecifier(file, specifier, files);
      if (resolved === null) continue;
      if ("file" in resolved) imports.add(resolved.file);
      else if ("outside" in resolved) problems.push(`${show(file)} → "${specifier}" (imports from outside src/)`);
      else problems.push(`${show(file)} → "${specifier}" (no such file under src/)`);
    }
    graph[file] = [...imports].sort();
  }
  return { graph, problems };
}

// ---------------------------------------------------------------------------------------------
// Reading the real tree.
// ---------------------------------------------------------------------------------------------

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const srcDir = join(packageDir, "src");

function readLayers(): Layers {
  const json = JSON.parse(readFileSync(join(packageDir, "layers.json"), "utf8")) as { layers?: unknown };
  const layers = json.layers;
  if (!Array.isArray(layers) || !layers.every((l) => Array.isArray(l) && l.every((f) => typeof f === "string"))) {
    throw new Error('packages/fenix/layers.json must be {"layers": [["folder", …], …]} (bottom layer first)');
  }
  return layers as Layers;
}

function readSources(): Record<string, string> {
  const sources: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(srcDir, rel), { withFileTypes: true })) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) sources[path] = readFileSync(join(srcDir, path), "utf8");
    }
  };
  walk("");
  return sources;
}

/** The top-level folders of src/ as "name/", so an empty new folder is caught too. */
function readFolders(): string[] {
  return readdirSync(srcDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${entry.name}/`);
}

function report(problems: string[]): string {
  return `${problems.length} layering problem(s) in packages/fenix/src (layers: packages/fenix/layers.json, see ARCHITECTURE.md):\n  ${problems.join("\n  ")}`;
}

// ---------------------------------------------------------------------------------------------

describe("the layer checker", () => {
  const layers: Layers = [["util", "protocol"], ["pubsub"], ["channel"], ["socket"]];

  it("reports an upward import, a same-layer cross-folder import and a cycle", () => {
    const graph: Graph = {
      "index.ts": ["socket/connection.ts", "util/log.ts"], // entry point: anything goes
      "util/log.ts": [],
      "util/maybe.ts": ["util/log.ts", "protocol/message.ts"], // same layer, another folder
      "protocol/message.ts": [],
      "pubsub/pubsub.ts": ["util/log.ts", "channel/server.ts"], // upward: layer 1 imports layer 2
      "channel/server.ts": ["channel/mailbox.ts", "pubsub/pubsub.ts"],
      "channel/mailbox.ts": ["channel/callbacks.ts"],
      "channel/callbacks.ts": ["channel/server.ts"], // cycle inside one folder
      "socket/connection.ts": ["channel/server.ts", "util/maybe.ts"],
    };
    const problems = checkGraph(graph, layers);
    expect(problems).toContain("src/pubsub/pubsub.ts → src/channel/server.ts (layer 1 imports layer 2)");
    expect(problems).toContain("src/util/maybe.ts → src/protocol/message.ts (layer 0 imports layer 0: same layer, another folder)");
    expect(problems).toContain("cycle: src/channel/callbacks.ts → src/channel/server.ts → src/channel/mailbox.ts → src/channel/callbacks.ts");
    // the upward import also closes a cycle through pubsub
    expect(problems).toContain("cycle: src/channel/server.ts → src/pubsub/pubsub.ts → src/channel/server.ts");
    expect(problems).toHaveLength(4);
  });

  it("reports an import of an entry point, an unknown folder and a self-import", () => {
    const graph: Graph = {
      "index.ts": [],
      "channel/server.ts": ["index.ts"],
      "newthing/x.ts": ["util/log.ts"],
      "util/log.ts": ["util/log.ts"],
    };
    expect(checkGraph(graph, layers)).toEqual([
      "src/newthing/ is not in layers.json (put it in a layer, and in ARCHITECTURE.md)",
      "src/channel/server.ts → src/index.ts (a folder imports the entry point src/index.ts)",
      "cycle: src/util/log.ts → src/util/log.ts",
    ]);
  });

  it("passes a clean graph", () => {
    const graph: Graph = {
      "index.ts": ["socket/connection.ts"],
      "socket/connection.ts": ["socket/router.ts", "channel/server.ts", "util/log.ts"],
      "socket/router.ts": [],
      "channel/server.ts": ["pubsub/pubsub.ts", "protocol/message.ts"],
      "pubsub/pubsub.ts": ["util/log.ts"],
      "protocol/message.ts": [],
      "util/log.ts": [],
    };
    expect(checkGraph(graph, layers)).toEqual([]);
  });

  it("rejects a folder listed in two layers", () => {
    expect(() => checkGraph({}, [["util"], ["util"]])).toThrow(/"util" is in layer 0 and layer 1/);
  });

  it("finds every kind of import and resolves .js, index.js and folders", () => {
    const text = [
      'import { a } from "./a.js";',
      'import type { B } from "../socket/b.js";',
      'import { type C, c } from "./c.js";',
      'import "./side_effect.js";',
      'export { d } from "./d.js";',
      'export * from "./e.js";',
      'export type { F } from "./f.js";',
      'import * as ws from "ws";',
      'import { readFile } from "node:fs";',
      'const g = await import("./g.js");',
      'type H = typeof import("./h.js");',
      'type I = import("../pubsub/index.js").I;',
      'import j = require("./j.js");',
      '// import { fake } from "./commented.js";',
      "const s = \"import x from './in_a_string.js'\";",
    ].join("\n");
    const specifiers = extractSpecifiers("channel/x.ts", text);
    expect(specifiers).toEqual([
      "./a.js",
      "../socket/b.js",
      "./c.js",
      "./side_effect.js",
      "./d.js",
      "./e.js",
      "./f.js",
      "ws",
      "node:fs",
      "./g.js",
      "./h.js",
      "../pubsub/index.js",
      "./j.js",
    ]);
    const files = new Set(["channel/x.ts", "channel/a.ts", "pubsub/index.ts", "serializer/index.ts", "protocol.ts"]);
    expect(resolveSpecifier("channel/x.ts", "./a.js", files)).toEqual({ file: "channel/a.ts" });
    expect(resolveSpecifier("channel/x.ts", "../pubsub/index.js", files)).toEqual({ file: "pubsub/index.ts" });
    expect(resolveSpecifier("channel/x.ts", "../serializer", files)).toEqual({ file: "serializer/index.ts" });
    expect(resolveSpecifier("channel/x.ts", "../protocol.js", files)).toEqual({ file: "protocol.ts" });
    expect(resolveSpecifier("channel/x.ts", "./missing.js", files)).toEqual({ unresolved: true });
    expect(resolveSpecifier("index.ts", "../package.json", files)).toEqual({ outside: "../package.json" });
    expect(resolveSpecifier("channel/x.ts", "ws", files)).toBeNull();
  });

  it("builds the graph from source texts", () => {
    const { graph, problems } = buildGraph({
      "index.ts": 'export * from "./channel/index.js";',
      "channel/index.ts": 'export { server } from "./server.js";\nexport type { T } from "../util/types.js";',
      "channel/server.ts": 'const m = await import("../socket/x.js");',
      "util/types.ts": 'import type { S } from "../channel/server.js";\nexport type T = S;',
    });
    expect(graph).toEqual({
      "index.ts": ["channel/index.ts"],
      "channel/index.ts": ["channel/server.ts", "util/types.ts"],
      "channel/server.ts": [],
      "util/types.ts": ["channel/server.ts"],
    });
    expect(problems).toEqual(['src/channel/server.ts → "../socket/x.js" (no such file under src/)']);
    expect(checkGraph(graph, layers)).toEqual(["src/util/types.ts → src/channel/server.ts (layer 0 imports layer 2)"]);
  });
});

describe("packages/fenix/src", () => {
  it("keeps its layers: every folder placed, imports only downward, no cycles", () => {
    const layers = readLayers();
    const { graph, problems: resolution } = buildGraph(readSources());
    const problems = [...checkFolders(readFolders(), layers), ...resolution, ...checkGraph(graph, layers)];
    if (problems.length > 0) expect.fail(report([...new Set(problems)]));
  });
});
