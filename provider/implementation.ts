// `pulumi-featbit/provider-impl`: what the `__provider` stored in every resource's state loads in Pulumi's provider
// process (see host/shim.ts). Its two functions are a contract with every stack's state, whichever version of the
// package wrote it: 0.1.0's serialized shims call both, later state hands `provider(kind)` to Pulumi as it is.
import { exitWithEngine } from "./host/engineWatch";
import { createHost } from "./host/host";
import { definitions } from "./resources/definitions";

const host = createHost(definitions);
exitWithEngine();

export const configure = host.configure;
export const provider = host.provider;
