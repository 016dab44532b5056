import type { Command } from "./command.js";
import { attachAttestationsCommand } from "./attach-attestations.js";
import { deployModeCommand } from "./deploy-mode.js";
import { applyPatchCommand, buildPlanCommand, buildRecordCommand } from "./build-plan.js";
import { ecrLoginCommand } from "./ecr-login.js";
import { promoteCommand } from "./promote.js";
import { pushImageCommand } from "./push-image.js";
import { pushImagesCommand } from "./push-images.js";
import { scanGateCommand, scanImageCommand } from "./scan-image.js";
import { verifyScanCommand } from "./verify-scan.js";

/** The image verbs (buildAll, publish, promote, scanImage use these), in --help order. */
export const imageCommands: Command[] = [
  buildPlanCommand,
  applyPatchCommand,
  buildRecordCommand,
  scanImageCommand,
  scanGateCommand,
  verifyScanCommand,
  ecrLoginCommand,
  pushImageCommand,
  attachAttestationsCommand,
  pushImagesCommand,
  promoteCommand,
  deployModeCommand,
];
