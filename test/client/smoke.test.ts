import { seg } from "../../provider/client";

test("path segments are encoded", () => {
  expect(seg("a/b c")).toBe("a%2Fb%20c");
});
