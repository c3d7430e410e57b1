// Worker threads do not inherit `--import tsx` loader hooks: register them, then load the worker.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
