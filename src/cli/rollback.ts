import { rollback } from "../ecs/rollback.js";
import { optionalString, type Command } from "./command.js";
import { checkedRevision, runEcsVerb, sharedEcsOptions, sharedEcsUsage } from "./ecs-options.js";

/**
 * rollback: return an ECS service to an explicit revision, or by default to the last
 * revision recorded as stable before the current one. Same exit codes as deploy-service.
 */
export const rollbackCommand: Command = {
  name: "rollback",
  summary: "Roll an ECS service back to a revision (default: the last stable one before the current)",
  usage: `rollback ${sharedEcsUsage.replace("--service NAME", "--service NAME [--revision N|family:N|ARN]")} [--allow-unchecked]`,
  options: {
    ...sharedEcsOptions,
    revision: { type: "string" },
    "allow-unchecked": { type: "boolean", default: false },
  },
  async run(values, _positionals, io) {
    return runEcsVerb(values, io, "rollback", (request) => {
      const revision = checkedRevision(optionalString(values, "revision"), request.env);
      return rollback({
        ...request,
        ...(revision ? { revision } : {}),
        ...(values["allow-unchecked"] === true ? { allowUnchecked: true } : {}),
      });
    });
  },
};
