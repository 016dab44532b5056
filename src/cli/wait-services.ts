import { waitServices } from "../ecs/wait-services.js";
import { type Command, environmentOption, optionalInt } from "./command.js";

/**
 * wait-services: after an apply, wait (bounded, with progress) for the ECS deployments it
 * started. Exit 0 when every service is steady, 1 when a rollout failed (ECS's circuit
 * breaker has the service; see its events), 5 when one was still rolling at the timeout.
 */
export const waitServicesCommand: Command = {
  name: "wait-services",
  summary: "Wait for the ECS deployments an apply started to end (bounded by the environment's deploy timeout)",
  usage: "wait-services --env NAME [--timeout-seconds N] [--poll-interval-ms N] [--json]",
  options: {
    env: { type: "string" },
    "timeout-seconds": { type: "string" },
    "poll-interval-ms": { type: "string" },
    json: { type: "boolean", default: false },
  },
  async run(values, _positionals, io) {
    const env = await environmentOption(values, io, "wait-services");
    const timeout = optionalInt(values, "timeout-seconds", 1);
    const poll = optionalInt(values, "poll-interval-ms", 50);
    const settled = await waitServices({
      env,
      credentials: { vars: io.env },
      onProgress: (line) => io.log(line),
      ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
      ...(poll !== undefined ? { pollIntervalMs: poll } : {}),
    });
    const summary = settled.map(
      (s) => `${s.service}: ${s.outcome === "timeout" ? "still rolling at the timeout" : s.outcome}`,
    );
    io.out(values.json === true ? JSON.stringify({ env: env.name, services: settled }, null, 2) : summary.join("\n"));
    if (settled.some((s) => s.outcome === "timeout")) return 5;
    return settled.some((s) => s.outcome === "failed") ? 1 : 0;
  },
};
