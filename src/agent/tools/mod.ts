/**
 * The tools pi gives the model, in the order the model sees them.
 * @module
 */

import { bashTool } from "./bash.ts";
import { editTool } from "./edit.ts";
import { readTool } from "./read.ts";
import type { Tool } from "./types.ts";
import { writeTool } from "./write.ts";

export { bashTool } from "./bash.ts";
export { editTool } from "./edit.ts";
export { readTool } from "./read.ts";
export { writeTool } from "./write.ts";
export * from "./types.ts";

/** Every built-in tool: read, write, edit, bash. */
export const BUILTIN_TOOLS: readonly Tool[] = [readTool, writeTool, editTool, bashTool];
