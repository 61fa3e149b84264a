// The runner's error text: what the CLI printed, once (the Automation API's CommandError repeats it).
import { errorText } from "../../scripts/lib/engine";

const failed = "Command failed with exit code 1: pulumi up --yes --stack dev";
const output =
  "Updating (dev):\n    error: creating project 'shop' failed: it exists\nResources:\n    1 errored";

it("keeps the CLI's output once, without the underlying error's copy of it", () => {
  const err = Object.assign(new Error("(CommandError's message)"), {
    commandResult: {
      code: -2,
      stdout: "",
      stderr: `${failed}\n${output}`,
      err: new Error(`${failed}\n${output}`),
    },
  });
  const text = errorText(err);
  expect(text.split(output)).toHaveLength(2);
  expect(text.split(failed)).toHaveLength(2);
  expect(text).toContain("code: -2");
});

it("keeps the underlying error's first line when the output does not hold it", () => {
  const err = Object.assign(new Error("x"), {
    commandResult: { code: 1, stdout: "", stderr: output, err: new Error("spawn pulumi ENOENT\nmore") },
  });
  expect(errorText(err)).toContain("err?: Error: spawn pulumi ENOENT\n");
  expect(errorText(err)).not.toContain("more");
});

it("any other error is its message", () => {
  expect(errorText(new Error("refused"))).toBe("refused");
});
