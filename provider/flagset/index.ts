// FlagSet: flags, targeting and segments from YAML or JSON files (see docs/flagset.md).
export { FlagSet, type FlagSetArgs, type FlagSetEnvironment } from "./flagSet";
export { loadFlagSet, type FlagSetPlan, type FlagSetPromotion, type LoadOptions } from "./model";
export { flagSetJsonSchema } from "./jsonSchema";
export { FlagSetError, formatProblem, type Problem } from "./problems";
