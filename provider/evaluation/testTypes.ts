// The shapes of targeting tests as programs and reports see them, without zod: they appear in the package's public
// declarations (FeatureFlagTargetingArgs.tests), which must type-check in programs that never see zod's own
// declarations (test/layout/typecheck.test.ts). targetingTests.ts checks at compile time that its schemas produce
// exactly these.

/** One sample user and the variation it must get, as checked. */
export interface UserTest {
  user: string;
  name?: string;
  properties?: Record<string, string>;
  gets: string;
}

/** A population of pseudo-random anonymous users and the share of each variation they must get, as checked. */
export interface ShareTest {
  anonymous: number;
  properties?: Record<string, string>;
  gets: Record<string, number>;
  tolerance?: number;
}

export type TargetingTest = UserTest | ShareTest;

/** A test as a program or file writes it (property values may be numbers or booleans). */
export type TargetingTestArgs =
  | {
      /** The end user's key (keyId). */
      user: string;
      name?: string;
      properties?: Record<string, string | number | boolean>;
      /** The variation this user must get, by name. */
      gets: string;
    }
  | {
      /** How many pseudo-random anonymous users to draw (the same ones every run). */
      anonymous: number;
      properties?: Record<string, string | number | boolean>;
      /** Variation name → the percentage of those users that must get it (adding up to 100). */
      gets: Record<string, number>;
      /** Percentage points each share may be off by (default: four standard errors of the sample). */
      tolerance?: number;
    };
