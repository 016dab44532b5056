import { z } from "zod";
import { environmentSchema } from "./schema.js";

/** The JSON Schema text committed as environments/schema.json. */
export function renderJsonSchema(): string {
  const schema = z.toJSONSchema(environmentSchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ ...schema, title: "ECS pipeline environment" }, null, 2)}\n`;
}
