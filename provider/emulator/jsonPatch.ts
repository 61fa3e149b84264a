// RFC 6902 JSON Patch over plain JSON, with the error messages of Microsoft.AspNetCore.JsonPatch.
// Property names resolve case-insensitively, like System.Text.Json's web defaults.

export interface PatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

export class PatchError extends Error {}

type Container = Record<string, unknown> | unknown[];

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads the operations; anything that is not an array of objects is a deserialization exception (→ 500). */
export function readOperations(body: unknown): PatchOperation[] {
  if (!Array.isArray(body))
    throw new TypeError("The JSON value could not be converted to JsonPatchDocument.");
  return body.map((raw) => {
    if (!isRecord(raw)) throw new TypeError("The JSON value could not be converted to Operation.");
    const get = (name: string): unknown => raw[Object.keys(raw).find((k) => k.toLowerCase() === name) ?? ""];
    const op = get("op");
    const path = get("path");
    const from = get("from");
    return {
      op: typeof op === "string" ? op : "",
      path: typeof path === "string" ? path : "",
      from: typeof from === "string" ? from : undefined,
      value: get("value"),
    };
  });
}

/**
 * Applies all operations to a deep copy of `doc` and returns it. FeatBit applies with an error callback
 * (`Patch.ApplyTo(entity, error => message = error.ErrorMessage)`, Application/FeatureFlags/
 * PatchFeatureFlag.cs): a failing operation is skipped, the rest still run, and the last error is the
 * one reported. Throws that PatchError if any operation failed.
 */
export function applyPatch(doc: unknown, ops: PatchOperation[]): unknown {
  let root = structuredClone(doc);
  let failure: PatchError | undefined;
  for (const op of ops) {
    try {
      root = applyOne(root, op);
    } catch (e) {
      if (!(e instanceof PatchError)) throw e;
      failure = e;
    }
  }
  if (failure) throw failure;
  return root;
}

function pointer(path: string): string[] {
  if (path === "" || path === "/") return [];
  return path
    .replace(/^\//, "")
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Walks to the parent of the final segment. */
function parentOf(root: unknown, segments: string[]): { parent: Container; last: string } {
  let node = root;
  for (const seg of segments.slice(0, -1)) {
    const next = child(node, seg);
    if (next === undefined) throw notFound(seg);
    node = next;
  }
  if (!Array.isArray(node) && !isRecord(node)) throw notFound(segments[segments.length - 1]);
  return { parent: node, last: segments[segments.length - 1] };
}

function child(node: unknown, seg: string): unknown {
  if (Array.isArray(node)) {
    const i = index(seg, node.length - 1);
    return node[i];
  }
  if (isRecord(node)) {
    const key = resolveKey(node, seg);
    return key === undefined ? undefined : node[key];
  }
  return undefined;
}

/** Own properties only: `in` would reach `__proto__`, `constructor` and, through them, Object.prototype. */
function resolveKey(obj: Record<string, unknown>, seg: string): string | undefined {
  if (Object.hasOwn(obj, seg)) return seg;
  return Object.keys(obj).find((k) => k.toLowerCase() === seg.toLowerCase());
}

function index(seg: string, max: number): number {
  if (!/^\d+$/.test(seg)) throw new PatchError(`The path segment '${seg}' is invalid for an array index.`);
  const i = Number(seg);
  if (i > max)
    throw new PatchError(
      `The index value provided by path segment '${seg}' is out of bounds of the array size.`,
    );
  return i;
}

const notFound = (seg: string): PatchError =>
  new PatchError(`The target location specified by path segment '${seg}' was not found.`);

function get(root: unknown, path: string): unknown {
  let node = root;
  for (const seg of pointer(path)) {
    node = child(node, seg);
    if (node === undefined) throw notFound(seg);
  }
  return node;
}

/**
 * The patched document is a typed C# object, so `add` can only target existing properties of an
 * object; new names fail just like a missing path would.
 */
function add(root: unknown, path: string, value: unknown): unknown {
  const segs = pointer(path);
  if (segs.length === 0) return structuredClone(value);
  const { parent, last } = parentOf(root, segs);
  if (Array.isArray(parent)) {
    if (last === "-") parent.push(structuredClone(value));
    else parent.splice(index(last, parent.length), 0, structuredClone(value));
  } else {
    const key = resolveKey(parent, last);
    if (key === undefined) throw notFound(last);
    parent[key] = structuredClone(value);
  }
  return root;
}

function remove(root: unknown, path: string): unknown {
  const segs = pointer(path);
  if (segs.length === 0) throw new PatchError("The root document cannot be removed.");
  const { parent, last } = parentOf(root, segs);
  if (Array.isArray(parent)) {
    parent.splice(index(last === "-" ? String(parent.length - 1) : last, parent.length - 1), 1);
  } else {
    const key = resolveKey(parent, last);
    if (key === undefined) throw notFound(last);
    // Removing a property of a typed object resets it to its default.
    parent[key] = null;
  }
  return root;
}

function replace(root: unknown, path: string, value: unknown): unknown {
  const segs = pointer(path);
  if (segs.length === 0) return structuredClone(value);
  const { parent, last } = parentOf(root, segs);
  if (Array.isArray(parent)) {
    parent[index(last === "-" ? String(parent.length - 1) : last, parent.length - 1)] =
      structuredClone(value);
  } else {
    const key = resolveKey(parent, last);
    if (key === undefined) throw notFound(last);
    parent[key] = structuredClone(value);
  }
  return root;
}

function applyOne(root: unknown, op: PatchOperation): unknown {
  switch (op.op.toLowerCase()) {
    case "add":
      return add(root, op.path, op.value);
    case "remove":
      return remove(root, op.path);
    case "replace":
      return replace(root, op.path, op.value);
    case "move": {
      if (op.from === undefined) throw new PatchError("The 'from' property is required for 'move'.");
      const value = get(root, op.from);
      return add(remove(root, op.from), op.path, value);
    }
    case "copy": {
      if (op.from === undefined) throw new PatchError("The 'from' property is required for 'copy'.");
      return add(root, op.path, get(root, op.from));
    }
    case "test": {
      const current = get(root, op.path);
      if (JSON.stringify(current) !== JSON.stringify(op.value)) {
        throw new PatchError(
          `The current value '${JSON.stringify(current)}' at path '${pointer(op.path).pop() ?? ""}' is not equal to the test value '${JSON.stringify(op.value)}'.`,
        );
      }
      return root;
    }
    default:
      throw new PatchError(`Invalid JsonPatch operation '${op.op}'.`);
  }
}
