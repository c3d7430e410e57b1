// dependency-cruiser's rules, generated from the one layer order in scripts/check-layers.mjs:
// a module in a layer may not import a module of any later layer, and nothing in src/ may import
// from outside it (test support). Tests and test helpers are exempt: they sit beside the code.
// TypeScript is parsed with swc (the tsc parser needs the `typescript` JS API, which TypeScript 7
// no longer ships).
import { LAYERS } from "./scripts/check-layers.mjs";

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const pathOf = (prefixes) => `^src/(${prefixes.map(escape).join("|")})`;
const TESTS = "(\\.test\\.ts|/testing\\.ts)$";

const upward = LAYERS.slice(0, -1).map(([name, , prefixes], i) => ({
  name: `layer-${name}`,
  comment: `${name}/ imports only its own layer and those before it (scripts/check-layers.mjs)`,
  severity: "error",
  from: { path: pathOf(prefixes), pathNot: TESTS },
  to: { path: pathOf(LAYERS.slice(i + 1).flatMap(([, , p]) => p)) },
}));

export default {
  forbidden: [
    ...upward,
    {
      name: "product-imports-test-support",
      comment: "nothing in src/ imports test support or anything else outside src/",
      severity: "error",
      from: { path: "^src/", pathNot: TESTS },
      to: { path: "^(?!src/)", dependencyTypes: ["local"] },
    },
  ],
  options: {
    parser: "swc",
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: TESTS },
  },
};
