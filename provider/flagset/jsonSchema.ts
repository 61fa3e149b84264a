// The FlagSet file format as a JSON Schema (draft-07), for editors (`# yaml-language-server: $schema=…`) and other
// tools. Imported here so the build ships it as dist/flagset/flagset.schema.json (package export
// `pulumi-featbit/flagset.schema.json`). The checks that matter run in model.ts; this schema is kept in step with it
// by test/flagset/jsonSchema.test.ts.
import schema from "./flagset.schema.json";

export const flagSetJsonSchema: Readonly<Record<string, unknown>> = schema;
