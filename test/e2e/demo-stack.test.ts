// The root Pulumi.yaml (project featbit-demo, the stack `npm run demo` deploys) runs the quickstart program.
import { describeQuickstart } from "./support/quickstartSuite";

describeQuickstart("root Pulumi.yaml", ".");
