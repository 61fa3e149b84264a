// The Pulumi package schema of `featbit`, generated from what both hosts serve: each resource's inputs from its
// definition's zod schema (plus the host's onDestroy), its outputs from provider/native/outputs.ts, each function's
// arguments and result from its lookup definition's zod schemas, and every description from the documentation
// (docs/resources/*.md for resources and lookups, the README's configuration table for the provider). The result is
// committed as provider/native/schema.json, which the plugin serves; `npm run schema` rewrites it, and
// test/native/schema.test.ts fails when a definition or a page changed and the file did not.
import { z } from "zod";
import type { AnyLookup } from "../lookups";
import type { AnyDefinition } from "../resources/core/definition";
import { nativeToken, PACKAGE, PROVIDER_SETTINGS } from "../host/nativeProvider";
import { typeToken as dynamicType, type ResourceKind } from "../host/shim";
import type { OutputSpec } from "./outputs";

/** A property or type reference in Pulumi's schema language. */
export interface TypeSpec {
  type?: "string" | "number" | "integer" | "boolean" | "array" | "object";
  items?: TypeSpec;
  additionalProperties?: TypeSpec;
  $ref?: string;
}
export interface PropertySpec extends TypeSpec {
  description?: string;
  secret?: boolean;
  replaceOnChanges?: boolean;
  willReplaceOnChanges?: boolean;
}
interface ObjectTypeSpec {
  type: "object";
  description?: string;
  properties: Record<string, PropertySpec>;
  required?: string[];
}
export interface PackageSchema {
  name: string;
  displayName: string;
  version: string;
  description: string;
  keywords: string[];
  homepage: string;
  license: string;
  repository: string;
  publisher: string;
  config: { variables: Record<string, PropertySpec> };
  provider: {
    description: string;
    properties: Record<string, PropertySpec>;
    inputProperties: Record<string, PropertySpec>;
  };
  resources: Record<
    string,
    ObjectTypeSpec & {
      inputProperties: Record<string, PropertySpec>;
      requiredInputs: string[];
      aliases: { type: string }[];
    }
  >;
  functions: Record<
    string,
    { description: string; inputs: Omit<ObjectTypeSpec, "type">; outputs: Omit<ObjectTypeSpec, "type"> }
  >;
  types: Record<string, ObjectTypeSpec>;
  language: Record<string, Record<string, unknown>>;
}

/** The documentation the descriptions come from. */
export interface SchemaDocs {
  /** README.md: its configuration table describes the provider's settings. */
  readme: string;
  /** docs/resources/<name>.md by resource kind (or "lookups"). */
  pages: Record<string, string>;
}

const ANY: TypeSpec = { $ref: "pulumi.json#/Any" };

/** Markdown text of a table cell or paragraph as plain schema prose (links keep their text). */
const prose = (text: string) =>
  text
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/\s+/g, " ")
    .trim();

/**
 * The rows of every table in a page whose first cell is one `code` name: name → the other cells, of the first such
 * row (or, with `width`, of the first row with that many other cells: 1 in an outputs table).
 */
function tableRows(page: string, width?: number): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of page.split("\n")) {
    const m = /^\|\s*`([^`]+)`(?:\s*\([^)]*\))?\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const cells = m[2].split(/(?<!\\)\|/).map((c) => prose(c.replace(/\\\|/g, "|")));
    const name = m[1].replace(/^featbit:/, "");
    if (!rows.has(name) && (width === undefined || cells.length === width)) rows.set(name, cells);
  }
  return rows;
}

/** The page's opening paragraph: what the resource is. */
function lead(page: string): string {
  const body = page.replace(/^##[^\n]*\n/, "").trimStart();
  return prose(body.split(/\n\s*\n/)[0] ?? "");
}

/** "Type. Default …. Change: …" from an inputs table row (type, default, change). */
function inputDescription(cells: string[] | undefined): string | undefined {
  if (!cells || cells.length === 0) return undefined;
  const [type, dflt, change] = cells;
  const parts = [type && `${type.charAt(0).toUpperCase()}${type.slice(1)}.`];
  if (dflt && dflt !== "required" && dflt !== "—") parts.push(`Default or when omitted: ${dflt}.`);
  if (change) parts.push(`On change: ${change}.`);
  return parts.filter(Boolean).join(" ");
}

/** The host's inputs and outputs, which no page's table lists: described once, here. */
const HOST_FIELDS: Record<string, string> = {
  onDestroy:
    "What destroying this resource (or removing it from the program) does to the object in FeatBit: 'delete' it, " +
    "'release' it (drop it from the stack and leave it as it is), or for feature flags and segments 'archive' it. " +
    "Default: 'delete' for an object this stack created, 'release' for one it adopted (adopt, importId, pulumi " +
    "import). Changing it changes only the stack's state.",
  origin:
    "Whether this stack created the object ('created') or adopted an existing one ('adopted': adopt, importId, " +
    "pulumi import, FeatBit's own prod and dev environments). It decides what destroy does when onDestroy is not set.",
};

/** The import id's format, as the page states the Pulumi id (or the importId input's type). */
function importFormat(page: string, kind: string): string {
  const stated = /The Pulumi id is `([^`]+)`/.exec(page)?.[1];
  if (stated) return stated;
  const cell = tableRows(page).get("importId")?.[0] ?? "";
  const quoted = /`([^`]+)`/.exec(cell)?.[1];
  if (quoted) return quoted;
  const owner = /the (\w+)'s UUID/.exec(cell)?.[1];
  return `<${owner ?? kind.toLowerCase()}_uuid>`;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** "FeatureFlagTargetingRuleServe" for `serve` in the items of FeatureFlagTargeting's `rules`. */
const typeName = (owner: string, path: string[]) => owner + path.map((p) => upperFirst(p)).join("");
/** The name of one item of a list: "rule" of "rules". */
const singular = (name: string) => name.replace(/ies$/, "y").replace(/(?<![su])s$/, "");

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  description?: string;
};

/** Zod schemas to schema types; object types are registered under names derived from where they occur. */
class Types {
  readonly types: Record<string, ObjectTypeSpec> = {};

  property(schema: JsonSchema, owner: string, path: string[]): TypeSpec {
    const union = schema.anyOf ?? schema.oneOf;
    if (union) {
      const members = union.filter((m) => m.type !== "null");
      // A union of objects (a condition on a property or on a segment) is one object type with every field.
      if (members.length > 0 && members.every((m) => m.type === "object" && m.properties)) {
        return this.object(
          {
            type: "object",
            properties: Object.assign({}, ...members.map((m) => m.properties)) as Record<string, JsonSchema>,
            required: members.map((m) => m.required ?? []).reduce((a, b) => a.filter((r) => b.includes(r))),
          },
          owner,
          path,
        );
      }
      if (members.length === 1) return this.property(members[0], owner, path);
      return ANY;
    }
    switch (schema.type) {
      case "string":
      case "number":
      case "integer":
      case "boolean":
        return { type: schema.type };
      case "array":
        return {
          type: "array",
          items: schema.items
            ? this.property(schema.items, owner, [
                ...path.slice(0, -1),
                singular(path[path.length - 1] ?? ""),
              ])
            : ANY,
        };
      case "object":
        if (schema.properties && Object.keys(schema.properties).length > 0)
          return this.object(schema, owner, path);
        if (schema.additionalProperties && typeof schema.additionalProperties === "object")
          return {
            type: "object",
            additionalProperties: this.property(schema.additionalProperties, owner, path),
          };
        return ANY;
      default:
        return ANY;
    }
  }

  object(schema: JsonSchema, owner: string, path: string[]): TypeSpec {
    const properties: Record<string, PropertySpec> = {};
    for (const [name, field] of Object.entries(schema.properties ?? {}))
      properties[name] = this.property(field, owner, [...path, name]);
    const spec: ObjectTypeSpec = { type: "object", properties };
    if (schema.required && schema.required.length > 0) spec.required = [...schema.required].sort();
    let name = typeName(owner, path);
    // Two shapes at one name (a flag's variations in and out): the second one is the output's.
    while (
      this.types[nativeToken(name)] &&
      JSON.stringify(this.types[nativeToken(name)]) !== JSON.stringify(spec)
    )
      name = `${name}Output`;
    this.types[nativeToken(name)] = spec;
    return { $ref: `#/types/${nativeToken(name)}` };
  }
}

const jsonSchemaOf = (schema: z.ZodType, io: "input" | "output"): JsonSchema =>
  z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;

function fieldsOf(schema: z.ZodType): string[] {
  return Object.keys((schema as unknown as { shape: object }).shape);
}

export function packageSchema(options: {
  definitions: readonly AnyDefinition[];
  lookups: readonly AnyLookup[];
  outputs: Record<string, OutputSpec>;
  docs: SchemaDocs;
  version: string;
}): PackageSchema {
  const types = new Types();
  const resources: PackageSchema["resources"] = {};
  for (const def of options.definitions) {
    const page = options.docs.pages[def.kind];
    if (page === undefined) throw new Error(`no documentation page for ${def.kind} (docs/resources/)`);
    const inputRows = tableRows(page);
    const outputRows = tableRows(page, 1);
    const describe = (name: string, spec: PropertySpec, input: boolean): PropertySpec => {
      const text =
        HOST_FIELDS[name] ?? (input ? inputDescription(inputRows.get(name)) : outputRows.get(name)?.[0]);
      return text ? { ...spec, description: text } : spec;
    };

    const inSchema = jsonSchemaOf(def.schema, "input");
    const replaceOn = new Set<string>(def.replaceOn);
    const inputProperties: Record<string, PropertySpec> = {};
    for (const name of fieldsOf(def.schema)) {
      const spec: PropertySpec = types.property(inSchema.properties?.[name] ?? {}, def.kind, [name]);
      if (replaceOn.has(name)) spec.replaceOnChanges = true;
      inputProperties[name] = describe(name, spec, true);
    }
    if (def.destroys !== false) inputProperties.onDestroy = describe("onDestroy", { type: "string" }, true);

    const output = options.outputs[def.kind];
    const outSchema = jsonSchemaOf(z.object(output.fields), "output");
    const properties: Record<string, PropertySpec> = {};
    for (const [name, spec] of Object.entries(inputProperties)) {
      const { replaceOnChanges: _replace, ...rest } = spec;
      properties[name] = rest;
    }
    for (const name of Object.keys(output.fields)) {
      const spec: PropertySpec = types.property(outSchema.properties?.[name] ?? {}, def.kind, [name]);
      if (output.secrets?.includes(name)) spec.secret = true;
      const inputText = inputProperties[name]?.description;
      properties[name] = describe(name, spec, false);
      if (!properties[name].description && inputText) properties[name].description = inputText;
    }
    if (def.destroys !== false) properties.origin = describe("origin", { type: "string" }, false);

    const token = nativeToken(def.kind);
    const importId = importFormat(page, def.kind);
    resources[token] = {
      type: "object",
      description:
        `${lead(page)}\n\n## Import\n\nAn existing object is adopted (released, not deleted, on destroy unless ` +
        `onDestroy says 'delete') by its id, the FeatBit Terraform provider's import id:\n\n` +
        `\`\`\`sh\n$ pulumi import ${token} <name> '${importId}'\n\`\`\`\n`,
      properties,
      required: [...(inSchema.required ?? []), ...Object.keys(output.fields)]
        .filter((name, i, all) => all.indexOf(name) === i && !jsonIsOptional(outSchema, name))
        .sort(),
      inputProperties,
      requiredInputs: [...(inSchema.required ?? [])].sort(),
      // The same object as the dynamic resource of this name: a stack moves to the native provider by running a
      // program that declares the same resources under the same names (SDKs and YAML apply schema aliases).
      aliases: [{ type: dynamicType(def.kind as ResourceKind) }],
    };
  }

  const lookupRows = tableRows(options.docs.pages.lookups ?? "");
  const functions: PackageSchema["functions"] = {};
  for (const lookup of options.lookups) {
    const row = lookupRows.get(lookup.name);
    if (!row) throw new Error(`docs/resources/lookups.md does not describe ${lookup.name}`);
    const args = jsonSchemaOf(lookup.args, "input");
    const result = jsonSchemaOf(lookup.result, "output");
    const owner = upperFirst(lookup.name);
    const section = (schema: JsonSchema, prefix: string, secrets: readonly string[] = []) => {
      const properties: Record<string, PropertySpec> = {};
      for (const [name, field] of Object.entries(schema.properties ?? {})) {
        const spec: PropertySpec = types.property(field, `${owner}${prefix}`, [name]);
        if (secrets.includes(name)) spec.secret = true;
        properties[name] = spec;
      }
      return { properties, ...(schema.required?.length ? { required: [...schema.required].sort() } : {}) };
    };
    functions[nativeToken(lookup.name)] = {
      description: `Arguments: ${row[0]}. Result: ${row[1]}.`,
      inputs: section(args, "Args"),
      outputs: section(result, "Result", lookup.secrets),
    };
  }

  const settingRows = tableRows(options.docs.readme);
  const settings: Record<string, PropertySpec> = {};
  const settingType: Record<(typeof PROVIDER_SETTINGS)[number], TypeSpec["type"]> = {
    apiUrl: "string",
    accessToken: "string",
    organizationKey: "string",
    maxRetries: "integer",
    httpTimeoutSeconds: "integer",
    maxConcurrency: "integer",
    allowInsecureHttp: "boolean",
  };
  for (const name of PROVIDER_SETTINGS) {
    const row = settingRows.get(name);
    if (!row) throw new Error(`the README's configuration table does not describe featbit:${name}`);
    const [variables, dflt, meaning] = row;
    settings[name] = {
      type: settingType[name],
      description: `${meaning} Read from ${variables} when not set. Default: ${dflt}.`,
      ...(name === "accessToken" ? { secret: true } : {}),
    };
  }

  return {
    name: PACKAGE,
    displayName: "FeatBit",
    version: options.version,
    description:
      "Manage FeatBit (the open-source feature-flag platform): projects, environments, feature flags, their " +
      "targeting and segments, and IAM policies, groups and their members.",
    keywords: ["pulumi", "featbit", "feature-flags", "category/utility", "kind/native"],
    homepage: "https://github.com/featbit/featbit",
    license: "Apache-2.0",
    repository: "https://github.com/featbit/featbit",
    publisher: "FeatBit",
    config: { variables: settings },
    provider: {
      description:
        "A FeatBit installation: its API URL and an access token (a token goes only to the URL configured beside " +
        "it). The default provider reads the stack's featbit:* config, then the FEATBIT_* variables; each other " +
        "installation is a Provider resource, given to resources with the `provider` option.",
      properties: Object.fromEntries(Object.entries(settings).filter(([name]) => name !== "accessToken")),
      inputProperties: settings,
    },
    resources,
    functions,
    types: Object.fromEntries(Object.entries(types.types).sort(([a], [b]) => a.localeCompare(b))),
    language: {
      csharp: { rootNamespace: "FeatBit", packageReferences: { Pulumi: "3.*" } },
      go: {
        importBasePath: "github.com/featbit/pulumi-featbit/sdk/go/featbit",
        generateResourceContainerTypes: true,
      },
      nodejs: { packageName: "@featbit/pulumi-featbit-native" },
      python: { packageName: "pulumi_featbit", requires: { pulumi: ">=3.0.0,<4.0.0" } },
    },
  };
}

function jsonIsOptional(outputs: JsonSchema, name: string): boolean {
  return outputs.properties?.[name] !== undefined && !(outputs.required ?? []).includes(name);
}

/** The resource kind's page name: docs/resources/featureFlagTargeting.md for FeatureFlagTargeting. */
export const pageOf = (kind: string) => `${lowerFirst(kind)}.md`;
