import { readFile, stat } from "node:fs/promises";
import { userError } from "../errors.js";

/**
 * Strict reading of JSON a person wrote (environment files, plan metadata): the bytes must be
 * UTF-8, nesting is bounded (a 200,000-deep document would overflow every recursive reader
 * after JSON.parse) and a key given twice in one object is refused: JSON.parse keeps the
 * last one silently, so `"approval": {"required": true, "required": false}` would disarm a
 * gate without anyone seeing it. RFC 8259 §4 leaves duplicate names to the implementation;
 * we refuse them.
 */

export const MAX_JSON_DEPTH = 64;

export interface JsonProblem {
  message: string;
  hint: string;
}

/** Reads a file a user named: a directory, a missing file or a non-UTF-8 one is a clear error. */
export async function readTextFile(file: string, what: string, code = "config.unreadable"): Promise<string> {
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (info.isDirectory()) {
      throw userError(code, `Failed to read ${what} ${file}: it is a directory, not a file`, `Pass a ${what} file.`);
    }
    bytes = await readFile(file);
  } catch (err) {
    if ((err as { source?: unknown }).source === "user") throw err;
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw userError(code, `Failed to read ${what} ${file}: ${reason}`, `Check the path of the ${what}.`);
  }
  return decodeUtf8(bytes, `${what} ${file}`, code);
}

/** Decodes UTF-8 strictly: an invalid byte is named by its offset instead of becoming U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, what: string, code = "config.not-utf8"): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw userError(
      code,
      `Failed to read ${what}: it is not UTF-8 (invalid byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, "0")} at offset ${at})`,
      "Save the file as UTF-8 (JSON must be UTF-8, RFC 8259 §8.1).",
    );
  }
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  // The lenient decoder turns the first bad sequence into U+FFFD; its byte offset is the
  // length of what decoded before it.
  const lenient = new TextDecoder("utf-8").decode(bytes);
  const index = lenient.indexOf("\uFFFD");
  return index < 0 ? 0 : Buffer.byteLength(lenient.slice(0, index), "utf8");
}

/** JSON.parse, then the checks it does not make: nesting depth and duplicate keys. */
export function parseStrictJson(text: string): { value: unknown } | { problem: JsonProblem } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problem: { message: `not valid JSON: ${(err as Error).message}`, hint: "Fix the JSON syntax." } };
  }
  const problem = scanStructure(text);
  return problem ? { problem } : { value };
}

/**
 * One pass over text JSON.parse accepted: tracks the open objects and arrays (no recursion,
 * so any depth is safe to scan) and the keys seen in each object.
 */
function scanStructure(text: string): JsonProblem | undefined {
  const stack: { keys: Set<string> | undefined; expectKey: boolean }[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") line++;
    else if (c === "{" || c === "[") {
      stack.push({ keys: c === "{" ? new Set() : undefined, expectKey: c === "{" });
      if (stack.length > MAX_JSON_DEPTH) {
        return {
          message: `nested more than ${MAX_JSON_DEPTH} levels deep (line ${line})`,
          hint: "An environment file is a few levels deep; this is not one.",
        };
      }
    } else if (c === "}" || c === "]") stack.pop();
    else if (c === ",") {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) {
          return {
            message: `key "${key}" appears twice in one object (line ${line}); JSON keeps only the last`,
            hint: `Keep one "${key}" and delete the other.`,
          };
        }
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    }
  }
  return undefined;
}

function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}
