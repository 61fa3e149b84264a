// Access tokens as FeatBit's own lifecycle has them: created, and made inactive (revoked) or active again in the UI
// (Domain/AccessTokens/AccessToken.cs: Status "Active" | "Inactive"; OpenApiHandler accepts only active ones). The
// emulator's controls reach them so that a token can be rotated and the old one revoked mid-test.
import type { Store } from "./store";
import type { AccessToken, PolicyStatement } from "./state";
import { accessTokenValue } from "./ids";

export type TokenStatus = "Active" | "Inactive";

export interface TokenController {
  /** A new active token with the given permissions (default: the owner's), e.g. the one a rotation moves to. */
  add(options?: { token?: string; permissions?: PolicyStatement[] }): string;
  /** Makes a token inactive (revoked: FeatBit answers 401) or active again. The emulator's own cannot be revoked. */
  setStatus(token: string, status: TokenStatus): void;
}

export function tokenController(
  store: Store,
  make: (token: string, permissions?: PolicyStatement[]) => AccessToken,
  persist: () => void,
): TokenController {
  return {
    add(options = {}) {
      const token = options.token ?? accessTokenValue(store.random, Date.now());
      if (store.state.tokens.some((t) => t.token === token)) throw new Error("that token exists already");
      store.state.tokens.push(make(token, options.permissions));
      persist();
      return token;
    },
    setStatus(token, status) {
      const found = store.state.tokens.find((t) => t.token === token);
      if (!found) throw new Error("no such token");
      if (found === store.state.tokens[0] && status === "Inactive")
        throw new Error("the emulator's own token (the first one) cannot be revoked: it runs /_emulator");
      found.status = status;
      persist();
    },
  };
}
