import { rollback } from "../ecs/rollback.js";
import { optionalString, type Command } from "./command.js";
import { checkedRevision, ecsRequest, printResult, sharedEcsOptions, sharedEcsUsage } from "./ecs-options.js";

/**
 * rollback: return an ECS service to an explicit revision, or by default to the last
 * revision recorded as stable before the current one. Same exit codes as deploy-service.
 */
export const rollbackCommand: Command = {
  name: "rollback",
  summary: "Roll an ECS service back to a revision (default: the last stable one before the current)",
  usage: `rollback ${sharedEcsUsage.replace("--service NAME", "--service NAME [--revision N|family:N|ARN]")}`,
  options: { ...sharedEcsOptions, revision: { type: "string" } },
  async run(values, _positionals, io) {
    const request = await ecsRequest(values, io, "rollback");
    const revision = checkedRevision(optionalString(values, "revision"), request.env);
    const result = await rollback({ ...request, ...(revision ? { revision } : {}) });
    return printResult(io, result, values.json === true);
  },
};
