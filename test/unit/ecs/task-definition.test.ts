import type { TaskDefinition } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import {
  diffTaskDefinitions,
  READ_ONLY_FIELDS,
  renderTaskDefinition,
  toInput,
} from "../../../src/ecs/task-definition.js";

/** The shape DescribeTaskDefinition returns, read-only fields included. */
const described: TaskDefinition = {
  taskDefinitionArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/open-webui:7",
  family: "open-webui",
  revision: 7,
  status: "ACTIVE",
  compatibilities: ["EC2", "FARGATE"],
  requiresCompatibilities: ["FARGATE"],
  requiresAttributes: [{ name: "com.amazonaws.ecs.capability.logging-driver.awslogs" }],
  registeredAt: new Date("2026-01-01T00:00:00Z"),
  registeredBy: "arn:aws:sts::123456789012:assumed-role/deploy/ci",
  networkMode: "awsvpc",
  cpu: "512",
  memory: "1024",
  containerDefinitions: [
    { name: "open-webui", image: "repo/open-webui:v1", environment: [{ name: "A", value: "1" }] },
    { name: "log-router", image: "fluent-bit:3" },
    { name: "migrate", image: "repo/open-webui:v1", essential: false },
  ],
};

describe("rendering a task definition for a new image", () => {
  it("replaces only the named containers' images and keeps everything else", () => {
    const { input, unchanged } = renderTaskDefinition(described, {
      containers: ["open-webui", "migrate"],
      image: "repo/open-webui:v2",
    });
    expect(unchanged).toBe(false);
    expect(input.containerDefinitions?.map((c) => c.image)).toEqual([
      "repo/open-webui:v2",
      "fluent-bit:3",
      "repo/open-webui:v2",
    ]);
    expect(input.containerDefinitions?.[0]?.environment).toEqual([{ name: "A", value: "1" }]);
    expect(input).toMatchObject({ family: "open-webui", cpu: "512", memory: "1024", networkMode: "awsvpc" });
  });

  it("drops every read-only field the API returns but refuses on register", () => {
    const input: object = toInput(described);
    for (const field of READ_ONLY_FIELDS) expect(input).not.toHaveProperty(field);
    expect(input).toHaveProperty("requiresCompatibilities", ["FARGATE"]);
  });

  it("says unchanged when the image is already the one running", () => {
    expect(renderTaskDefinition(described, { containers: ["open-webui"], image: "repo/open-webui:v1" }).unchanged).toBe(
      true,
    );
  });

  it("names the containers it has when a configured one is missing", () => {
    expect(() => renderTaskDefinition(described, { containers: ["webui"], image: "x:1" })).toThrow(
      /no container named "webui" \(it has open-webui, log-router, migrate\)/,
    );
  });
});

describe("diffing task definitions", () => {
  it("shows exactly the changed lines, and nothing for equal definitions", () => {
    const { input } = renderTaskDefinition(described, { containers: ["open-webui"], image: "repo/open-webui:v2" });
    const diff = diffTaskDefinitions("open-webui:7", toInput(described), "open-webui:new", input);
    expect(diff.split("\n").slice(0, 2)).toEqual(["--- open-webui:7", "+++ open-webui:new"]);
    expect(diff.split("\n").filter((l) => /^[+-] /.test(l))).toEqual([
      '-      "image": "repo/open-webui:v1",',
      '+      "image": "repo/open-webui:v2",',
    ]);
    expect(
      diffTaskDefinitions("a", toInput(described), "b", { ...toInput(described), tags: [{ key: "k", value: "v" }] }),
    ).toBe("");
  });
});
