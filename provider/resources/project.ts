// featbit:Project — a FeatBit project. Its key is fixed for life (FeatBit has no endpoint to change it), so a new
// key replaces the project; the name updates in place. FeatBit creates `prod` and `dev` environments with every
// project; they are reported in `environments` and can be declared as Environment resources (adopted).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { ProjectWithEnvs } from "../client";
import { isFeatBitApiError } from "../client/errors";
import {
  toProvider,
  type Context,
  type ProviderFactory,
  type ResourceDefinition,
  declareOutputs,
} from "./framework";
import { adoption, key, name, uuid } from "./inputs";
import { findProject, sameKey } from "./lookups";
import { shimFor } from "./shim";

const Inputs = z.object({
  key: key("project"),
  name: name("project"),
  ...adoption,
});
type Inputs = z.infer<typeof Inputs>;

export interface ProjectEnvironment {
  id: string;
  key: string;
  name: string;
}

type Outputs = Inputs & { projectId: string; environments: ProjectEnvironment[] };

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
    environments: project.environments.map((e) => ({ id: e.id, key: e.key, name: e.name })),
  };
}

async function findByKey(ctx: Context, projectKey: string): Promise<ProjectWithEnvs | undefined> {
  return (await ctx.client.projects.list()).find((p) => sameKey(p.key, projectKey));
}

async function adopt(ctx: Context, inputs: Inputs): Promise<ProjectWithEnvs | undefined> {
  if (inputs.importId !== undefined) {
    const id = uuid("importId").parse(inputs.importId);
    const found = await findProject(ctx, id);
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

const definition: ResourceDefinition<Inputs, Outputs> = {
  kind: "Project",
  schema: Inputs,
  createOnly: ["adopt", "importId"],
  replaceOn: ["key"],
  deleteBeforeReplace: (olds, news) => sameKey(olds.key, news.key),
  describe: (p) => `project '${p.key ?? "?"}'`,

  async create(ctx, inputs) {
    let project = await adopt(ctx, inputs);
    if (project) {
      if (project.name !== inputs.name) await ctx.client.projects.update(project.id, { name: inputs.name });
      project = { ...project, name: inputs.name };
    } else {
      try {
        project = await ctx.client.projects.create({ name: inputs.name, key: inputs.key });
      } catch (err) {
        // The request may have been applied before the connection failed: look before reporting.
        const landed = isFeatBitApiError(err) && err.ambiguous ? await findByKey(ctx, inputs.key) : undefined;
        if (!landed) {
          if (isFeatBitApiError(err) && err.codes.includes("KeyHasBeenUsed")) {
            throw new Error(
              `a project with key '${inputs.key}' already exists (FeatBit: KeyHasBeenUsed): set adopt: true to manage it with Pulumi, or choose another key`,
              { cause: err },
            );
          }
          throw err;
        }
        project = landed;
      }
    }
    return { id: project.id, outs: outputs(inputs, project) };
  },

  async read(ctx, id, olds) {
    const project = await findProject(ctx, id);
    if (!project) return undefined;
    const previous: Inputs = olds ?? { key: project.key, name: project.name, adopt: false };
    return outputs(previous, project);
  },

  async update(ctx, id, olds, news, changed) {
    if (changed.has("name")) await ctx.client.projects.update(id, { name: news.name });
    return { ...olds, ...news, projectId: id, environments: olds.environments };
  },

  async delete(ctx, id) {
    try {
      await ctx.client.projects.delete(id);
    } catch (err) {
      // 403 is what FeatBit answers when the project is already gone.
      if (isFeatBitApiError(err) && err.status === 403 && (await findProject(ctx, id)) === undefined) return;
      throw err;
    }
  },
};

export const projectProvider: ProviderFactory = (context) => toProvider(definition, context);

export interface ProjectArgs {
  /** Unique per organization (case-insensitive); changing it replaces the project. */
  key: pulumi.Input<string>;
  name: pulumi.Input<string>;
  /** Manage an existing project with this key instead of failing because it exists. */
  adopt?: pulumi.Input<boolean>;
  /** Adopt by the Terraform provider's import id: the project's UUID. */
  importId?: pulumi.Input<string>;
}

export class Project extends pulumi.dynamic.Resource {
  declare readonly projectId: pulumi.Output<string>;
  declare readonly key: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  /** The environments FeatBit created with the project (`prod`, `dev`) and any added since. */
  declare readonly environments: pulumi.Output<ProjectEnvironment[]>;

  /** An existing Project by id (its UUID), read-only: Pulumi reads it and manages nothing. */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Project {
    // A read passes only the id (and the provider) to the provider's read: declared inputs play no part.
    return new Project(name, {} as ProjectArgs, { ...opts, id });
  }

  constructor(name: string, args: ProjectArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      shimFor("Project"),
      name,
      { ...declareOutputs("projectId", "key", "name", "environments"), ...args },
      opts,
      "featbit",
      "Project",
    );
  }
}
