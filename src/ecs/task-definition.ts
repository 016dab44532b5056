import type { ContainerDefinition, RegisterTaskDefinitionCommandInput, Tag, TaskDefinition } from "@aws-sdk/client-ecs";
import { createTwoFilesPatch } from "diff";
import { userError } from "../errors.js";

/**
 * Fields DescribeTaskDefinition returns that RegisterTaskDefinition refuses (or ignores):
 * they describe a registered revision, not the definition itself.
 */
export const READ_ONLY_FIELDS = [
  "taskDefinitionArn",
  "revision",
  "status",
  "requiresAttributes",
  "compatibilities",
  "registeredAt",
  "registeredBy",
  "deregisteredAt",
  "deleteRequestedAt",
] as const;

export type TaskDefinitionInput = RegisterTaskDefinitionCommandInput;

export interface RenderOptions {
  /** Names of the containers whose image is replaced. */
  containers: string[];
  image: string;
  tags?: Tag[];
}

export interface Rendered {
  input: TaskDefinitionInput;
  /** True when no image changed: the new revision would equal the current one. */
  unchanged: boolean;
}

/**
 * The definition to register: the running one with the named containers' images replaced
 * and everything else kept, minus the read-only fields.
 */
export function renderTaskDefinition(current: TaskDefinition, options: RenderOptions): Rendered {
  const base = toInput(current);
  const defs = base.containerDefinitions ?? [];
  const names = defs.map((c) => c.name ?? "(unnamed)");
  const missing = options.containers.filter((name) => !names.includes(name));
  if (missing.length > 0) {
    throw userError(
      "ecs.unknown-container",
      `Failed to render task definition ${current.family ?? ""}: no container named ${missing.map((m) => `"${m}"`).join(", ")} (it has ${names.join(", ")})`,
      "Fix services[].ecs.containers in the environment file to name containers of this task definition.",
    );
  }
  let unchanged = true;
  const containerDefinitions: ContainerDefinition[] = defs.map((c) => {
    if (!options.containers.includes(c.name ?? "") || c.image === options.image) return c;
    unchanged = false;
    return { ...c, image: options.image };
  });
  const input = { ...base, containerDefinitions, ...(options.tags ? { tags: options.tags } : {}) };
  return { input, unchanged };
}

/** The registerable part of a described task definition. */
export function toInput(current: TaskDefinition): TaskDefinitionInput {
  const readOnly = new Set<string>(READ_ONLY_FIELDS);
  const copy = Object.fromEntries(
    Object.entries(current).filter(([key, value]) => !readOnly.has(key) && value !== undefined && value !== null),
  );
  if (!current.family || !current.containerDefinitions) {
    throw userError("ecs.bad-task-definition", "Failed to render task definition: it has no family or containers");
  }
  return copy as unknown as TaskDefinitionInput;
}

/**
 * A unified diff of two definitions as the API sees them (sorted keys, no tags, no
 * read-only fields); empty when they are the same.
 */
export function diffTaskDefinitions(
  oldLabel: string,
  old: TaskDefinitionInput,
  newLabel: string,
  next: TaskDefinitionInput,
): string {
  const a = stableJson(withoutTags(old));
  const b = stableJson(withoutTags(next));
  if (a === b) return "";
  return createTwoFilesPatch(oldLabel, newLabel, a, b, undefined, undefined, { context: 3 })
    .split("\n")
    .filter((line) => !line.startsWith("===="))
    .join("\n")
    .trimEnd();
}

function withoutTags(input: TaskDefinitionInput): Omit<TaskDefinitionInput, "tags"> {
  const { tags: _tags, ...rest } = input;
  return rest;
}

function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
