// Public entry point of pulumi-featbit.
export * as client from "./client";
