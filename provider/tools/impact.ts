// Who changes: for each flag whose targeting a preview changes, which sample users get another variation (the flag's
// targeting tests, plus users a team lists), and what share of a large pseudo-random population moves, as FeatBit's
// own SDK evaluates the targeting before and after the change (offline, from the preview's inputs). For featbit-diff.
import { z } from "zod";
import type { DeclaredSegment } from "../evaluation/dataSync";
import type { EndUser } from "../evaluation/offlineSdk";
import {
  anonymousUser,
  describeUser,
  dispatchKeysOf,
  FlagEvaluator,
  isShareTest,
  targetingTestsSchema,
  type Served,
} from "../evaluation/targetingTests";
import { UNKNOWN, containsUnknown } from "../resources/core/schema";
import {
  declaredSubject,
  featureFlagTargetingDefinition,
  type DeclaredTargeting,
} from "../resources/featureFlagTargeting";
import { segmentDefinition } from "../resources/segment";
import { Context, inputsOf, kindOf, logicalSteps, type PreviewDocument, type Step } from "./previewSummary";

/** Pseudo-random anonymous users per population unless told otherwise. */
export const DEFAULT_POPULATION = 10_000;

/** A users file: sample users whose variation a reviewer wants to see, as JSON or YAML. */
export const usersFileSchema = z.array(
  z.strictObject({
    key: z.string().min(1),
    name: z.string().optional(),
    properties: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
      .optional(),
  }),
  { error: "a users file is a list of {key, name?, properties?}" },
);

export interface ImpactOptions {
  /** Extra sample users (a users file). */
  users?: EndUser[];
  /** Anonymous users per population (default 10,000). */
  population?: number;
}

export interface ImpactLine {
  environment: string;
  flag: string;
  text: string;
}

type Props = Record<string, unknown>;

/** A state's segment id: its output, or the second part of its Pulumi id (`<environment>/<segment>`). */
const segmentIdOf = (state: Step["oldState"]): string | undefined => {
  const id = (state?.outputs?.segmentId as string | undefined) || state?.id?.split("/")[1];
  return id && id !== UNKNOWN ? id.toLowerCase() : undefined;
};

/**
 * Segment definitions by id, as one side of the preview (old or new states) declares them. A preview's new states
 * may carry neither outputs nor id (unchanged and updated resources): the id is then the old state's.
 */
function segmentsOf(steps: Step[], side: "oldState" | "newState"): Map<string, DeclaredSegment> {
  const out = new Map<string, DeclaredSegment>();
  for (const step of steps) {
    if (kindOf(step) !== "Segment") continue;
    const state = step[side];
    if (!state) continue;
    const id = segmentIdOf(state) ?? segmentIdOf(step.oldState);
    const parsed = segmentDefinition.schema.safeParse(inputsOf(state));
    if (!id || !parsed.success) continue;
    out.set(id, { ...parsed.data, id });
  }
  return out;
}

/** A side of the targeting, ready for the SDK; undefined when it cannot be evaluated (unknown values, bad state). */
function subjectOf(inputs: Props, segments: Map<string, DeclaredSegment>) {
  if (containsUnknown(inputs)) return undefined;
  const { tests: _tests, testSegments: _segments, ...targeting } = inputs;
  const parsed = featureFlagTargetingDefinition.schema.safeParse(targeting);
  if (!parsed.success || parsed.data.variations === undefined) return undefined;
  try {
    return new FlagEvaluator(declaredSubject(parsed.data as DeclaredTargeting, [...segments.values()]));
  } catch {
    return undefined;
  }
}

const shown = (served: Served): string =>
  served.error ? "an SDK error" : (served.variation ?? "(left to the FeatBit UI)");
const pct = (n: number) => `${Math.round(n * 100) / 100}%`;

/** Sample users: the tests' users of both sides, then the users file's. */
function sampleUsers(before: Props, after: Props, extra: EndUser[]): EndUser[] {
  const users = new Map<string, EndUser>();
  for (const side of [after, before]) {
    const tests = targetingTestsSchema.safeParse(side.tests ?? []);
    if (!tests.success) continue;
    for (const test of tests.data) {
      if (isShareTest(test)) continue;
      const user: EndUser = {
        key: test.user,
        ...(test.name !== undefined ? { name: test.name } : {}),
        properties: test.properties ?? {},
      };
      users.set(describeUser(user), user);
    }
  }
  for (const user of extra) users.set(describeUser(user), user);
  return [...users.values()];
}

/** Property sets populations are drawn with: none, and each rollout test's. */
function populations(before: Props, after: Props): Record<string, string>[] {
  const sets = new Map<string, Record<string, string>>([["{}", {}]]);
  for (const side of [after, before]) {
    const tests = targetingTestsSchema.safeParse(side.tests ?? []);
    if (!tests.success) continue;
    for (const test of tests.data)
      if (isShareTest(test) && test.properties) sets.set(JSON.stringify(test.properties), test.properties);
  }
  return [...sets.values()];
}

function flagImpact(
  before: FlagEvaluator,
  after: FlagEvaluator,
  users: EndUser[],
  props: Record<string, string>[],
  size: number,
): string[] {
  const parts: string[] = [];
  const moved = users.flatMap((user) => {
    const a = before.serve(user);
    const b = after.serve(user);
    if (shown(a) === shown(b)) return [];
    return [`${describeUser(user)} ${shown(a)} → ${shown(b)}${b.decidedBy ? ` (${b.decidedBy})` : ""}`];
  });
  if (moved.length > 0) parts.push(moved.join("; "));
  const dispatchKeys = [...new Set([...dispatchKeysOf(before.subject), ...dispatchKeysOf(after.subject)])];
  for (const given of props) {
    const moves = new Map<string, number>();
    for (let i = 0; i < size; i++) {
      const user = anonymousUser(i, given, dispatchKeys);
      const a = shown(before.serve(user));
      const b = shown(after.serve(user));
      if (a !== b) moves.set(`${a} → ${b}`, (moves.get(`${a} → ${b}`) ?? 0) + 1);
    }
    const total = [...moves.values()].reduce((x, y) => x + y, 0);
    const who = Object.entries(given).map(([k, v]) => `${k}=${v}`);
    const of = `of ${size.toLocaleString("en-US")} anonymous users${who.length > 0 ? ` with ${who.join(", ")}` : ""}`;
    if (total === 0) {
      parts.push(`${of}, none changes variation`);
      continue;
    }
    const detail = [...moves]
      .sort((x, y) => y[1] - x[1])
      .map(([move, n]) => `${move} ${pct((n / size) * 100)}`)
      .join(", ");
    parts.push(`${of}, ${pct((total / size) * 100)} change variation (${detail})`);
  }
  return parts;
}

/** One line per changed flag whose targeting can be evaluated on both sides. */
export function whoChanges(doc: PreviewDocument, options: ImpactOptions = {}): ImpactLine[] {
  const steps = doc.steps ?? [];
  const ctx = new Context(steps);
  const beforeSegments = segmentsOf(steps, "oldState");
  const afterSegments = segmentsOf(steps, "newState");
  const size = options.population ?? DEFAULT_POPULATION;
  const lines: ImpactLine[] = [];
  for (const step of logicalSteps(steps)) {
    if (kindOf(step) !== "FeatureFlagTargeting" || !["update", "replace"].includes(step.op)) continue;
    const before = inputsOf(step.oldState);
    const after = inputsOf(step.newState);
    const flag = typeof after.flagKey === "string" ? after.flagKey : String(before.flagKey ?? "?");
    const environment = ctx.environment(step, after);
    const a = subjectOf(before, beforeSegments);
    const b = subjectOf(after, afterSegments);
    if (!a || !b) {
      lines.push({
        environment,
        flag,
        text: "not evaluated: values known only at `up` (or the flag's variations were not declared)",
      });
      continue;
    }
    const parts = flagImpact(
      a,
      b,
      sampleUsers(before, after, options.users ?? []),
      populations(before, after),
      size,
    );
    lines.push({ environment, flag, text: parts.join("; ") });
  }
  return lines.sort((x, y) => x.environment.localeCompare(y.environment) || x.flag.localeCompare(y.flag));
}

/** The Markdown section featbit-diff appends. */
export function formatImpact(lines: ImpactLine[]): string {
  if (lines.length === 0) return "";
  return [
    "",
    "#### Who changes",
    "",
    "As FeatBit's SDK evaluates the targeting before and after (sample users: the flags' tests and any users file).",
    "",
    ...lines.map((l) => `- ${l.environment ? `${l.environment} · ` : ""}\`${l.flag}\`: ${l.text}`),
    "",
  ].join("\n");
}
