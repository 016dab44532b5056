import type { Command } from "./command.js";
import { lintCommand } from "./lint.js";
import { prCommentCommand } from "./pr-comment.js";
import { validateConfigCommand } from "./validate-config.js";

/** Every verb the CLI knows, in the order `--help` lists them. */
export const commands: Command[] = [validateConfigCommand, lintCommand, prCommentCommand];
