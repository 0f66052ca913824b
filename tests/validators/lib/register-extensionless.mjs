// Loaded with `node --import`, before the validator's own imports are resolved.
import { register } from "node:module";

register("./extensionless-import-hook.mjs", import.meta.url);
