import { describeQuickstart } from "./support/quickstartSuite";

describeQuickstart("examples/quickstart", "examples/quickstart");
