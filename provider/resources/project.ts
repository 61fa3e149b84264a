// featbit:Project — a FeatBit project. Its key is fixed for life (FeatBit has no endpoint to change it), so a new
// key replaces the project; the name updates in place. FeatBit creates `prod` and `dev` environments with every
// project; they are reported in `environments` (id and key, which never change) and can be declared as Environment
// resources (adopted). Other environments are not listed there: Environment resources own them, and a list that
// included them would be stale after every `pulumi up` that adds or renames one.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { unreadableError, unreadableWhere, type ProjectWithEnvs } from "../client";
import { sameKey } from "./core/canonical";
import type { Context, Created, ResourceDefinition } from "./core/definition";
import { fixedRefusals } from "./core/permissions";
import { dynamicClass, getter, registered, registration, type ResourceArgs } from "./core/resourceClass";
import { adoption, key, name, shape, uuid, uuidImportId } from "./core/schema";
import { createOnce, notOurs, settledDelete, verifiedWrite } from "./core/writes";

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface ProjectArgs extends ResourceArgs {
  /** Unique per organization (case-insensitive); changing it replaces the project. */
  key: pulumi.Input<string>;
  name: pulumi.Input<string>;
  /** Manage an existing project with this key instead of failing because it exists. */
  adopt?: pulumi.Input<boolean>;
  /** Adopt by the Terraform provider's import id: the project's UUID. */
  importId?: pulumi.Input<string>;
}

/** An environment FeatBit created with the project (`prod` or `dev`). */
export interface ProjectEnvironment {
  id: string;
  key: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

const Inputs = shape(
  {
    key: key("project"),
    name: name("project"),
    ...adoption,
  },
  "a Project",
).superRefine(...uuidImportId("project"));
type Inputs = z.infer<typeof Inputs>;

type Outputs = Inputs & { projectId: string; environments: ProjectEnvironment[] };

/** The environments FeatBit creates with every project. */
const AUTO_CREATED = ["prod", "dev"];

// ---------------------------------------------------------------------------------------------------------------
// Mapping

/**
 * Outputs from what FeatBit holds. The key keeps the declared spelling when it only differs in case (FeatBit's key
 * check is case-insensitive, so adoption finds `web` for a declared `Web`; FeatBit's spelling would otherwise show
 * as a key change — a replacement that deletes the adopted project first).
 */
function outputs(inputs: Inputs, project: ProjectWithEnvs): Outputs {
  return {
    ...inputs,
    key: sameKey(inputs.key, project.key) ? inputs.key : project.key,
    name: project.name,
    projectId: project.id,
    environments: project.environments
      .filter((e) => AUTO_CREATED.some((k) => sameKey(k, e.key)))
      .map((e) => ({ id: e.id, key: e.key })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reads and writes

async function findByKey(ctx: Context, projectKey: string): Promise<ProjectWithEnvs | undefined> {
  const projects = await ctx.client.projects.list();
  const odd = unreadableWhere(projects, "key", (k) => sameKey(k, projectKey));
  if (odd.length > 0) throw unreadableError("project", odd, `finding project '${projectKey}'`);
  return projects.find((p) => sameKey(p.key, projectKey));
}

/** The rename of a project, settled by reading it back (and, when FeatBit refuses it, naming the permission). */
function rename(ctx: Context, project: Pick<ProjectWithEnvs, "id" | "key">, name: string) {
  return verifiedWrite(ctx.writes, {
    send: () => ctx.client.projects.update(project.id, { name }),
    read: () => ctx.client.projects.find(project.id),
    landed: (current) => current.name === name,
    result: (current) => current,
    refusal: async (current) => ({ rn: `project/${current.key}` }),
  });
}

async function adoptionTarget(ctx: Context, inputs: Inputs): Promise<ProjectWithEnvs | undefined> {
  if (inputs.importId !== undefined) {
    const id = uuid("importId").parse(inputs.importId);
    const found = await ctx.client.projects.find(id);
    if (!found) throw new Error(`importId ${id} names no project this access token can see`);
    if (!sameKey(found.key, inputs.key)) {
      throw new Error(
        `importId ${id} is project '${found.key}', but key is '${inputs.key}': make them agree`,
      );
    }
    return found;
  }
  return inputs.adopt ? findByKey(ctx, inputs.key) : undefined;
}

async function create(ctx: Context, inputs: Inputs): Promise<Created<Outputs>> {
  const adopted = await adoptionTarget(ctx, inputs);
  if (adopted) {
    if (adopted.name !== inputs.name) await rename(ctx, adopted, inputs.name);
    const project = { ...adopted, name: inputs.name };
    return { id: project.id, outs: outputs(inputs, project), adopted: true };
  }
  const project = await createOnce<ProjectWithEnvs>(ctx.writes, {
    claim: `project:${inputs.key}`,
    find: () => findByKey(ctx, inputs.key),
    send: () => ctx.client.projects.create({ name: inputs.name, key: inputs.key }),
    refusal: fixedRefusals.newProject,
    taken: (cause, holder) =>
      new Error(
        notOurs({
          what: `a project with key '${inputs.key}'`,
          detail: holder ? `id ${holder.id}` : cause && "FeatBit: KeyHasBeenUsed",
          adopt: `\`adopt: true\` (or importId: '${holder?.id ?? "<project_uuid>"}')`,
        }),
        { cause },
      ),
  });
  return { id: project.id, outs: outputs(inputs, project) };
}

// ---------------------------------------------------------------------------------------------------------------
// Definition

/** @internal */
const definition: ResourceDefinition<Inputs, Outputs> = {
  kind: "Project",
  schema: Inputs,
  createOnly: ["adopt", "importId"],
  replaceOn: ["key"],
  deleteBeforeReplace: (olds, news) => sameKey(olds.key, news.key),
  outputs: ["projectId", "environments"],
  fromId: { projectId: (id) => id },
  describe: (p) => `project '${p.key ?? "?"}'`,

  create,
  locate: async (ctx, inputs) => (await findByKey(ctx, inputs.key))?.id,

  async read(ctx, id, olds) {
    const project = await ctx.client.projects.find(id);
    if (!project) return undefined;
    const previous: Inputs = olds ?? { key: project.key, name: project.name };
    return outputs(previous, project);
  },

  async update(ctx, id, olds, news, changed) {
    if (changed.has("name")) await rename(ctx, { id, key: olds.key }, news.name);
    return { ...olds, ...news, projectId: id, environments: olds.environments };
  },

  async delete(ctx, id) {
    await settledDelete(ctx.writes, {
      send: () => ctx.client.projects.delete(id),
      exists: async () => (await ctx.client.projects.find(id)) !== undefined,
      // FeatBit answers 403 when the project is already gone (its permission name cannot be resolved).
      doubtful: () => true,
      refusal: async () => {
        const project = await ctx.client.projects.find(id);
        return project && { rn: `project/${project.key}` };
      },
    });
  },
};

/** @internal */
export { definition as projectDefinition };

// ---------------------------------------------------------------------------------------------------------------
// The Pulumi resource

export class Project extends pulumi.CustomResource {
  /** An existing object by id, read-only: Pulumi reads it and manages nothing. */
  static readonly get = getter(Project);

  declare readonly installation: pulumi.Input<string> | undefined;
  declare readonly projectId: pulumi.Output<string>;
  declare readonly key: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  /** The environments FeatBit created with the project: `prod` and `dev` (while they exist), by id and key. */
  declare readonly environments: pulumi.Output<ProjectEnvironment[]>;

  constructor(name: string, args: ProjectArgs, opts?: pulumi.CustomResourceOptions) {
    super(...registration(definition, name, args, opts));
    registered(this, definition, args);
  }
}
dynamicClass(Project);
