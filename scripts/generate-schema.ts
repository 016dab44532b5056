// Writes environments/schema.json from the zod schema, so editors complete environment files.
// `npm run schema` after changing src/config/schema.ts; a test fails while the two disagree.
import { writeFile } from "node:fs/promises";
import { renderJsonSchema } from "../src/config/json-schema.js";

await writeFile(new URL("../environments/schema.json", import.meta.url), renderJsonSchema());
