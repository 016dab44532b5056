import type { Command } from "./command.js";
import { applyCommand } from "./apply.js";
import { lintCommand } from "./lint.js";
import { planCommand } from "./plan.js";
import { containerCredentialsCommand } from "./container-credentials.js";
import { detectDriftCommand } from "./detect-drift.js";
import { githubOidcTokenCommand } from "./github-oidc-token.js";
import { prCommentCommand } from "./pr-comment.js";
import { reportCommand } from "./report.js";
import { validateConfigCommand } from "./validate-config.js";
import { validateTerraformCommand } from "./validate-terraform.js";
import { imageCommands } from "./image-commands.js";
import { deployServiceCommand } from "./deploy-service.js";
import { rollbackCommand } from "./rollback.js";
import { unlockServiceCommand } from "./unlock-service.js";
import { emulatorBootstrapCommand } from "./emulator-bootstrap.js";
import { statusCommand } from "./status.js";
import { waitServicesCommand } from "./wait-services.js";

/** Every verb the CLI knows, in the order `--help` lists them. */
export const commands: Command[] = [
  validateConfigCommand,
  lintCommand,
  prCommentCommand,
  reportCommand,
  detectDriftCommand,
  githubOidcTokenCommand,
  containerCredentialsCommand,
  validateTerraformCommand,
  emulatorBootstrapCommand,
  planCommand,
  applyCommand,
  ...imageCommands,
  deployServiceCommand,
  rollbackCommand,
  unlockServiceCommand,
  statusCommand,
  waitServicesCommand,
];
