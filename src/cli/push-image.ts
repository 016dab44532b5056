import path from "node:path";
import { ecrLogin } from "../images/ecr-auth.js";
import { pushArchive } from "../images/push.js";
import { withAuthFile } from "../images/registry-auth.js";
import { type Command, environmentOption, listOption, optionalString, requireString } from "./command.js";

/**
 * Logs in to the environment's ECR (deploy role) and pushes an OCI archive under each tag, in
 * one process: the registry password goes from ECR to a private auth file skopeo reads and is
 * deleted after, never printed or returned. With --registry (a stand-in registry for the local
 * rehearsal) it pushes there without logging in.
 */
export const pushImageCommand: Command = {
  name: "push-image",
  summary: "Push an OCI archive (all its platforms) to the environment's ECR under each tag; prints the references",
  usage:
    "push-image --env NAME --archive FILE --repository REPO --tag TAG [--tag TAG ...] [--registry HOST [--insecure-registry]]",
  options: {
    env: { type: "string" },
    archive: { type: "string" },
    repository: { type: "string" },
    tag: { type: "string", multiple: true },
    registry: { type: "string" },
    "insecure-registry": { type: "boolean", default: false },
    skopeo: { type: "string" },
  },
  async run(values, _positionals, io) {
    const env = await environmentOption(values, io, "push-image");
    const archive = path.resolve(io.cwd, requireString(values, "archive", "push-image"));
    const repository = requireString(values, "repository", "push-image");
    const tags = listOption(values, "tag");
    const override = optionalString(values, "registry");
    const login = override ? undefined : await ecrLogin(env, io.env);
    const registry = override ?? login!.registry;
    const tlsVerify = values["insecure-registry"] !== true;
    const result = await withAuthFile(login, (authFile) =>
      pushArchive({
        archive,
        registry,
        repository,
        tags,
        access: { authFile, tlsVerify },
        skopeo: optionalString(values, "skopeo"),
      }),
    );
    io.log(`pushed ${registry}/${repository} ${result.digest} as ${tags.join(", ")}`);
    io.out(JSON.stringify(result));
    return 0;
  },
};
