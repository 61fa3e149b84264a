// FlagSet files as read from disk: parsed with positions, so that every problem found later (by the structure check
// or by a resource's own schema) can be reported at the file, line and column that holds the offending value.
import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { Problem } from "./problems";

/** One parsed file. `data` is plain JSON-like data (YAML and JSON are both read with the YAML parser). */
export interface SourceFile {
  /** As shown in messages: relative to the working directory when inside it. */
  display: string;
  absolute: string;
  data: unknown;
  doc: Document;
  lines: LineCounter;
}

export type FieldPath = readonly (string | number)[];

const EXTENSIONS = [".yaml", ".yml", ".json"];

export function displayPath(absolute: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, absolute);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : absolute;
}

/**
 * The files a path names: the file itself, or every .yaml/.yml/.json file under a folder (recursively, hidden files
 * and folders skipped), in a fixed order. Order never matters to the result: entries are identified by key.
 */
export function listFiles(target: string, problems: Problem[]): string[] {
  const absolute = path.resolve(target);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch {
    problems.push({
      file: displayPath(absolute),
      field: "path",
      message: `no such file or folder: give a FlagSet file (.yaml, .yml or .json) or a folder of them`,
    });
    return [];
  }
  if (stat.isFile()) return [absolute];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      if (name.startsWith(".") || name === "node_modules") continue;
      const child = path.join(dir, name);
      if (fs.statSync(child).isDirectory()) walk(child);
      else if (EXTENSIONS.includes(path.extname(name).toLowerCase())) found.push(child);
    }
  };
  walk(absolute);
  if (found.length === 0) {
    problems.push({
      file: displayPath(absolute),
      field: "path",
      message: "the folder holds no FlagSet file (.yaml, .yml or .json)",
    });
  }
  return found;
}

/** Parses one file; syntax errors become problems (with their position) and the file is then skipped. */
export function readSource(absolute: string, problems: Problem[]): SourceFile | undefined {
  const display = displayPath(absolute);
  let text: string;
  try {
    text = fs.readFileSync(absolute, "utf8");
  } catch (err) {
    problems.push({ file: display, field: "", message: `cannot read it: ${(err as Error).message}` });
    return undefined;
  }
  const lines = new LineCounter();
  // JSON is YAML 1.2, so one parser serves both and both get positions (and duplicate keys are refused in both).
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const at = lines.linePos(error.pos[0]);
      problems.push({
        file: display,
        line: at.line,
        column: at.col,
        field: "",
        message: `not valid ${absolute.endsWith(".json") ? "JSON" : "YAML"}: ${error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`,
      });
    }
    return undefined;
  }
  return { display, absolute, data: doc.toJS({ maxAliasCount: 1000 }) as unknown, doc, lines };
}

/**
 * The position of the value at `at` (a path into the file's data), or of the closest enclosing value that exists
 * (a missing field is reported where its object starts). `key` points at a field's name instead of its value, for
 * fields that should not be there.
 */
export function locate(
  source: SourceFile,
  at: FieldPath,
  key?: string,
): { line: number; column: number } | undefined {
  let node: unknown = source.doc.contents;
  let found: Node | undefined = node as Node | undefined;
  for (const part of at) {
    const next = childOf(node, part);
    if (next === undefined) break;
    node = next;
    if (isScalar(next) || isMap(next) || isSeq(next)) found = next;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
    if (pair && isScalar(pair.key) && pair.key.range) found = pair.key;
  }
  const range = found?.range;
  if (!range) return undefined;
  const pos = source.lines.linePos(range[0]);
  return { line: pos.line, column: pos.col };
}

function childOf(node: unknown, part: string | number): unknown {
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
    return pair?.value ?? undefined;
  }
  if (isSeq(node) && typeof part === "number") return node.items[part];
  return undefined;
}
