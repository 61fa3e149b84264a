// featbit:Environment — an environment of a FeatBit project, with its SDK keys as secret outputs. The project and
// the key are fixed for life (FeatBit has no endpoint to change them), so changing either replaces the environment;
// name, description and the change-comment setting update in place with one PUT. FeatBit creates `prod` and `dev`
// with every project: declaring either adopts the existing one, so a program can describe them like any other.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  isFeatBitApiError,
  type Environment as ProjectEnvironment,
  type EnvironmentVm,
  type Secret,
} from "../client";
import { sameKey } from "./core/canonical";
import { splitId, type Context, type Created, type ResourceDefinition } from "./core/definition";
import { dynamicClass, getter, registered, registration, type ResourceArgs } from "./core/resourceClass";
import {
  adoption,
  description,
  importIdForm,
  importIdOfParent,
  key,
  name,
  shape,
  uuid,
  keptAdoption,
} from "./core/schema";
import { underEnvironment } from "./core/permissions";
import { createOnce, notOurs, settledDelete, verifiedWrite } from "./core/writes";

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface EnvironmentArgs extends ResourceArgs {
  /** The project's id (Project.projectId); changing it replaces the environment. */
  projectId: pulumi.Input<string>;
  /**
   * Unique per project (case-insensitive); changing it replaces the environment. `prod` and `dev` — which FeatBit
   * creates with every project — are adopted automatically when they exist.
   */
  key: pulumi.Input<string>;
  name: pulumi.Input<string>;
  /** Default "". */
  description?: pulumi.Input<string>;
  /** FeatBit's "require a comment for every change" setting (a UI hint; the API does not enforce it). Default false. */
  requireChangeComment?: pulumi.Input<boolean>;
  /** Manage an existing environment with this key instead of failing because it exists. */
  adopt?: pulumi.Input<boolean>;
  /** Adopt by the Terraform provider's import id: `<project_uuid>/<environment_uuid>`. */
  importId?: pulumi.Input<string>;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

/** The Pulumi id, identical to the FeatBit Terraform provider's import id so stacks can move between the two. */
const ID_FORMAT = "<project_uuid>/<environment_uuid>";

function parseId(id: string): { projectId: string; envId: string } {
  const [projectPart, envPart] = splitId(id, 2, ID_FORMAT);
  const projectId = uuid("the project part").safeParse(projectPart);
  const envId = uuid("the environment part").safeParse(envPart);
  if (!projectId.success || !envId.success)
    throw new Error(`'${id}' is not a valid id: expected ${ID_FORMAT}`);
  return { projectId: projectId.data, envId: envId.data };
}

const Inputs = shape(
  {
    projectId: uuid("projectId"),
    key: key("environment"),
    name: name("environment"),
    description: description(),
    requireChangeComment: z.boolean({ error: "requireChangeComment must be true or false" }).default(false),
    ...adoption,
  },
  "an Environment",
)
  .superRefine(...importIdForm(ID_FORMAT, parseId))
  .superRefine(...importIdOfParent("projectId", "project", (id) => parseId(id).projectId));
type Inputs = z.infer<typeof Inputs>;

type Outputs = Inputs & { environmentId: string; serverKey: string; clientKey: string };

/** The environments FeatBit creates with every project: declaring one adopts it without `adopt: true`. */
const AUTO_CREATED = new Set(["prod", "dev"]);

// ---------------------------------------------------------------------------------------------------------------
// Mapping

/** What both the project view and the environment endpoints return about an environment. */
type EnvView = Pick<EnvironmentVm, "id" | "name" | "description" | "secrets" | "settings">;

const pulumiId = (projectId: string, envId: string) => `${projectId}/${envId}`;

const secretOf = (secrets: readonly Secret[], type: Secret["type"]) =>
  secrets.find((s) => s.type === type)?.value ?? "";

/**
 * Outputs from what FeatBit holds. The key keeps the declared spelling when it only differs in case (FeatBit keys
 * are case-insensitive, so `Prod` and `prod` name the same environment; keeping FeatBit's spelling would show a
 * key change — a replacement — on the next preview).
 */
function outputs(
  base: Pick<Inputs, "projectId" | "key" | "adopt" | "importId">,
  env: EnvView,
  actualKey: string,
): Outputs {
  return {
    projectId: base.projectId,
    key: sameKey(base.key, actualKey) ? base.key : actualKey,
    name: env.name,
    description: env.description ?? "",
    requireChangeComment: env.settings?.requireChangeComment ?? false,
    ...keptAdoption(base),
    environmentId: env.id,
    serverKey: secretOf(env.secrets, "server"),
    clientKey: secretOf(env.secrets, "client"),
  };
}

function differs(env: EnvView, wanted: Inputs): boolean {
  return (
    env.name !== wanted.name ||
    (env.description ?? "") !== wanted.description ||
    (env.settings?.requireChangeComment ?? false) !== wanted.requireChangeComment
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Reads and writes

const projectMissing = (projectId: string) =>
  new Error(
    `project ${projectId} does not exist or this access token cannot see it (FeatBit: Forbidden): check projectId`,
  );

/** The existing environment to manage instead of creating one, if the declaration asks for adoption. */
async function adoptionTarget(ctx: Context, inputs: Inputs): Promise<ProjectEnvironment | undefined> {
  if (inputs.importId === undefined && !inputs.adopt && !AUTO_CREATED.has(inputs.key.toLowerCase()))
    return undefined;
  const project = await ctx.client.projects.find(inputs.projectId);
  if (!project) throw projectMissing(inputs.projectId);
  if (inputs.importId === undefined) return project.environments.find((e) => sameKey(e.key, inputs.key));
  const { envId } = parseId(inputs.importId);
  const found = project.environments.find((e) => e.id === envId);
  if (!found) {
    throw new Error(
      `importId ${inputs.importId} names no environment of project '${project.key}' this access token can see`,
    );
  }
  if (!sameKey(found.key, inputs.key)) {
    throw new Error(
      `importId ${inputs.importId} is environment '${found.key}', but key is '${inputs.key}': make them agree`,
    );
  }
  return found;
}

/**
 * One PUT brings name, description and settings to the declaration (FeatBit replaces name and description as a
 * pair; settings are always sent because this resource manages them).
 */
function writeSettings(ctx: Context, projectId: string, envId: string, wanted: Inputs): Promise<EnvView> {
  return verifiedWrite(ctx.writes, {
    send: () =>
      ctx.client.environments.update(projectId, envId, {
        name: wanted.name,
        description: wanted.description,
        settings: { requireChangeComment: wanted.requireChangeComment },
      }),
    read: () => ctx.client.environments.find(projectId, envId),
    landed: (current) => !differs(current, wanted),
    result: (current) => current,
    refusal: () => underEnvironment(ctx.client, envId, ""),
  });
}

/** Brings an existing environment (adopted, or made by a create whose answer was lost) to the declaration. */
async function settle(ctx: Context, inputs: Inputs, existing: ProjectEnvironment) {
  const env = differs(existing, inputs)
    ? await writeSettings(ctx, inputs.projectId, existing.id, inputs)
    : existing;
  return { id: pulumiId(inputs.projectId, env.id), outs: outputs(inputs, env, existing.key) };
}

async function create(ctx: Context, inputs: Inputs): Promise<Created<Outputs>> {
  const existing = await adoptionTarget(ctx, inputs);
  if (existing) return { ...(await settle(ctx, inputs, existing)), adopted: true };
  try {
    // What a create whose answer was lost made is brought to the declaration (FeatBit may not have applied it all).
    const made = await createOnce<ProjectEnvironment>(ctx.writes, {
      claim: `environment:${inputs.projectId}/${inputs.key}`,
      find: async () => {
        const project = await ctx.client.projects.find(inputs.projectId);
        if (!project) throw projectMissing(inputs.projectId);
        return project.environments.find((e) => sameKey(e.key, inputs.key));
      },
      send: async () => ({
        ...(await ctx.client.environments.create(inputs.projectId, {
          name: inputs.name,
          key: inputs.key,
          description: inputs.description,
          settings: { requireChangeComment: inputs.requireChangeComment },
        })),
        key: inputs.key,
        projectId: inputs.projectId,
      }),
      refusal: async () => {
        const project = await ctx.client.projects.find(inputs.projectId);
        return project && { rn: `project/${project.key}`, proof: `project '${project.key}' exists` };
      },
      taken: (cause, holder) => {
        const importId = pulumiId(inputs.projectId, holder?.id ?? "<environment_uuid>");
        return new Error(
          notOurs({
            what: `an environment with key '${inputs.key}' in project ${inputs.projectId}`,
            detail: holder ? `id ${holder.id}` : cause && "FeatBit: KeyHasBeenUsed",
            adopt: `\`adopt: true\` (or importId: '${importId}')`,
          }),
          { cause },
        );
      },
    });
    return await settle(ctx, inputs, made);
  } catch (err) {
    // FeatBit answers 403 both for a missing project and for a token without CreateEnv: tell them apart.
    if (
      isFeatBitApiError(err) &&
      err.kind === "forbidden" &&
      (await ctx.client.projects.find(inputs.projectId)) === undefined
    )
      throw projectMissing(inputs.projectId);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Definition

/** @internal */
const definition: ResourceDefinition<Inputs, Outputs> = {
  kind: "Environment",
  schema: Inputs,
  createOnly: ["adopt", "importId"],
  replaceOn: ["projectId", "key"],
  // Keys are unique per project (case-insensitive): a replacement in the same project with the same key must go first.
  deleteBeforeReplace: (olds, news) => olds.projectId === news.projectId && sameKey(olds.key, news.key),
  outputs: ["environmentId", "serverKey", "clientKey"],
  fromId: {
    projectId: (id) => id.split("/")[0],
    environmentId: (id) => id.split("/")[1],
  },
  describe: (p) => `environment '${p.key ?? "?"}' in project ${p.projectId ?? "?"}`,
  // FeatBit's own prod and dev were always adopted, whether or not the program said so.
  adoptedBefore: (olds) => AUTO_CREATED.has(olds.key.toLowerCase()),

  create,
  async locate(ctx, inputs) {
    const project = await ctx.client.projects.find(inputs.projectId);
    const env = project?.environments.find((e) => sameKey(e.key, inputs.key));
    return env && pulumiId(inputs.projectId, env.id);
  },

  async read(ctx, id, olds) {
    const { projectId, envId } = parseId(id);
    // A deleted project takes its environments with it: find reports the project absent, so the environment is gone.
    const env = await ctx.client.environments.find(projectId, envId);
    if (!env) return undefined;
    const base = {
      projectId,
      key: olds?.key ?? env.key,
      ...keptAdoption(olds),
    };
    return outputs(base, env, env.key);
  },

  async update(ctx, id, olds, news, changed) {
    const { projectId, envId } = parseId(id);
    const settingsChanged =
      changed.has("name") || changed.has("description") || changed.has("requireChangeComment");
    if (!settingsChanged) return { ...olds, ...news };
    const env = await writeSettings(ctx, projectId, envId, news);
    return outputs(news, env, olds.key);
  },

  async delete(ctx, id) {
    const { projectId, envId } = parseId(id);
    await settledDelete(ctx.writes, {
      send: () => ctx.client.environments.delete(projectId, envId),
      exists: async () => (await ctx.client.environments.find(projectId, envId)) !== undefined,
      // FeatBit answers 403 for an environment (or project) that is already gone.
      doubtful: (err) => err.kind === "forbidden" || err.ambiguous,
      refusal: () => underEnvironment(ctx.client, envId, ""),
    });
  },
};

/** @internal */
export { definition as environmentDefinition };

// ---------------------------------------------------------------------------------------------------------------
// The Pulumi resource

export class Environment extends pulumi.CustomResource {
  /** An existing object by id, read-only: Pulumi reads it and manages nothing. */
  static readonly get = getter(Environment);

  declare readonly installation: pulumi.Input<string> | undefined;
  declare readonly environmentId: pulumi.Output<string>;
  declare readonly projectId: pulumi.Output<string>;
  declare readonly key: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  declare readonly requireChangeComment: pulumi.Output<boolean>;
  /** The server-side SDK key (a Pulumi secret). */
  declare readonly serverKey: pulumi.Output<string>;
  /** The client-side SDK key (a Pulumi secret). */
  declare readonly clientKey: pulumi.Output<string>;

  constructor(name: string, args: EnvironmentArgs, opts?: pulumi.CustomResourceOptions) {
    // SDK keys are generated by FeatBit, so Pulumi cannot know they are secret unless told.
    super(
      ...registration(
        definition,
        name,
        args,
        pulumi.mergeOptions(opts, { additionalSecretOutputs: ["serverKey", "clientKey"] }),
      ),
    );
    registered(this, definition, args);
  }
}
dynamicClass(Environment);
