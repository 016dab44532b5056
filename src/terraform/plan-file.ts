import { decode as decodeMsgpack } from "@msgpack/msgpack";
import { unzipSync } from "fflate";
import protobuf from "protobufjs/minimal.js";
import { z } from "zod";
import { userError } from "../errors.js";

/**
 * What a saved plan file says about itself, read without tofu: the backend it was planned
 * against and the prior state's lineage and serial. `tofu apply <plan>` uses the plan's own
 * backend, not the working directory's, so a plan of another environment copied into a plan
 * directory would be applied to that environment's state; apply compares these with the
 * environment before anything runs.
 *
 * A plan file is a zip (OpenTofu internal/plans/planfile): `tfplan` is a protobuf message
 * (internal/plans/internal/planproto/planfile.proto: Plan.backend = 13; Backend.type = 1,
 * Backend.config = 2 as DynamicValue.msgpack = 1, Backend.workspace = 3) and `tfstate` the
 * prior state as JSON.
 */
export interface PlanFileFacts {
  backend: { type: string; config: Record<string, unknown>; workspace: string };
  state: { lineage: string | null; serial: number | null };
}

const stateSchema = z.object({ lineage: z.string().optional(), serial: z.number().int().optional() });

export function readPlanFile(bytes: Uint8Array, file: string): PlanFileFacts {
  const fail = (why: string) =>
    userError(
      "terraform.bad-plan-file",
      `Failed to read the saved plan ${file}: ${why}`,
      "Use the plan directory exactly as `plan` wrote it, or plan again.",
    );
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (f) => f.name === "tfplan" || f.name === "tfstate" });
  } catch (err) {
    throw fail(`not a plan file (${(err as Error).message})`);
  }
  const plan = entries.tfplan;
  if (!plan) throw fail("it holds no tfplan entry");
  let backend: PlanFileFacts["backend"];
  try {
    backend = readBackend(plan);
  } catch (err) {
    throw fail(`its backend cannot be read (${(err as Error).message})`);
  }
  let state: PlanFileFacts["state"] = { lineage: null, serial: null };
  if (entries.tfstate) {
    const parsed = stateSchema.safeParse(JSON.parse(new TextDecoder().decode(entries.tfstate)));
    if (!parsed.success) throw fail("its prior state is not a state file");
    if (parsed.data.lineage) state = { lineage: parsed.data.lineage, serial: parsed.data.serial ?? null };
  }
  return { backend, state };
}

function readBackend(plan: Uint8Array): PlanFileFacts["backend"] {
  const message = fields(plan);
  const raw = message.get(13);
  if (!(raw instanceof Uint8Array)) throw new Error("no backend recorded");
  const backend = fields(raw);
  const dynamic = backend.get(2);
  const packed = dynamic instanceof Uint8Array ? fields(dynamic).get(1) : undefined;
  const config = packed instanceof Uint8Array ? decodeMsgpack(packed) : {};
  if (config === null || typeof config !== "object" || Array.isArray(config)) throw new Error("config is not an object");
  const text = (v: unknown) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : "");
  return { type: text(backend.get(1)), config: config as Record<string, unknown>, workspace: text(backend.get(3)) };
}

/** The length-delimited fields of one protobuf message, by field number (last wins, as protobuf says). */
function fields(bytes: Uint8Array): Map<number, Uint8Array | number> {
  const reader = protobuf.Reader.create(bytes);
  const out = new Map<number, Uint8Array | number>();
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const wireType = tag & 7;
    if (wireType === 2) out.set(tag >>> 3, reader.bytes());
    else if (wireType === 0) out.set(tag >>> 3, reader.uint32());
    else reader.skipType(wireType);
  }
  return out;
}
