// The TypeScript examples in the README, the FlagSet guide and the resource docs must compile against the package's real types, so
// a renamed input or output cannot leave the documentation behind.
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");
const DOCS = [
  "README.md",
  "docs/flagset.md",
  "docs/gitops.md",
  ...fs.readdirSync(path.join(ROOT, "docs/resources")).map((f) => `docs/resources/${f}`),
];

/** Names the snippets use without defining them: objects an earlier snippet (or the reader's program) made. */
const CONTEXT = `
import * as featbit from "pulumi-featbit";
import { startEmulator } from "pulumi-featbit/emulator";
import * as pulumi from "@pulumi/pulumi";
void pulumi; void startEmulator;
declare const project: featbit.Project;
declare const prod: featbit.Environment;
declare const dev: featbit.Environment;
declare const checkout: featbit.FeatureFlag;
declare const beta: featbit.Segment;
declare const projectId: string;
declare const environmentId: string;
`;

function snippets(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Each snippet becomes the body of its own function, so snippets may reuse names. */
function program(file: string): string {
  const bodies = snippets(file).map((code, i) => {
    const body = code
      .replace(/^import .*$/gm, "")
      .replace(/^export const /gm, "const ")
      .replace(/const featbit = await startEmulator/g, "const local = await startEmulator");
    return `export async function snippet${i}() {\n${body}\n}`;
  });
  return `${CONTEXT}\n${bodies.join("\n")}\n`;
}

/** Diagnostics per document, from one program holding every document's snippets (one type-check, not five). */
function compileAll(): Map<string, string[]> {
  const configFile = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
  // Snippets declare values only to show them; unused locals are fine there.
  const options = { ...parsed.options, noUnusedLocals: false, noEmit: true };
  const virtual = new Map(DOCS.map((doc, i) => [path.join(ROOT, "test", `__doc_snippets_${i}__.ts`), doc]));
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version) => {
    const doc = virtual.get(name);
    return doc ? ts.createSourceFile(name, program(doc), version) : getSourceFile(name, version);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => virtual.has(name) || fileExists(name);
  const result = ts.createProgram([...virtual.keys()], options, host);
  const byDoc = new Map<string, string[]>(DOCS.map((doc) => [doc, []]));
  for (const d of ts.getPreEmitDiagnostics(result)) {
    const doc = (d.file && virtual.get(d.file.fileName)) ?? "(elsewhere)";
    const line = d.file ? ts.getLineAndCharacterOfPosition(d.file, d.start ?? 0).line + 1 : 0;
    const list = byDoc.get(doc) ?? [];
    list.push(`${line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    byDoc.set(doc, list);
  }
  return byDoc;
}

let diagnostics: Map<string, string[]>;
beforeAll(() => {
  diagnostics = compileAll();
});

test("nothing outside the documents fails to compile", () => {
  expect(diagnostics.get("(elsewhere)") ?? []).toEqual([]);
});

describe.each(DOCS)("%s", (file) => {
  test("has TypeScript examples, and they compile against the package", () => {
    expect(snippets(file).length).toBeGreaterThan(0);
    expect(diagnostics.get(file)).toEqual([]);
  });
});
