import { copyFileSync, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * What a Dagger engine would register for this module, read offline with the SDK's own
 * introspector (the code the engine runs to learn a TypeScript module's functions).
 */
export interface RegisteredArgument {
  description: string;
  type: string;
  optional: boolean;
  defaultValue: unknown;
  defaultPath: string | undefined;
  ignore: string[] | undefined;
}

export interface RegisteredFunction {
  description: string;
  cache: string | null;
  check: boolean;
  returns: string;
  /** In declaration order, which is the order `dagger call --help` lists them. */
  args: Record<string, RegisteredArgument>;
}

export interface RegisteredModule {
  name: string;
  engineVersion: string;
  objects: Record<
    string,
    {
      description: string;
      /** What `dagger call --<arg> ... <function>` takes before the function, in declaration order. */
      constructorArgs: Record<string, RegisteredArgument>;
      functions: Record<string, RegisteredFunction>;
      /** Properties exposed with @func(): what chains after a returned object (`... results export`). */
      fields: Record<string, { description: string; type: string }>;
    }
  >;
  /** Enumerations: name -> member names (what the CLI accepts, case-insensitively) -> value. */
  enums: Record<string, Record<string, string>>;
}

interface TypeDefJson {
  kind: string;
  name?: string;
  typeDef?: TypeDefJson;
}

/** What every `source` argument leaves out of the upload (dagger/src/containers.ts SOURCE_IGNORE). */
export const SOURCE_IGNORE = [
  "**/node_modules",
  ".git",
  "dist",
  "coverage",
  "dagger/sdk",
  "**/.terraform",
  "**/*.tfplan",
  ".pipeline",
];

/** The base identity (dagger/src/aws.ts), the main object's constructor arguments, in `--help` order. */
export const AWS_IDENTITY = [
  "awsAccessKeyId",
  "awsSecretAccessKey",
  "awsSessionToken",
  "awsWebIdentityToken",
  "githubOidcRequestUrl",
  "githubOidcRequestToken",
  "awsContainerCredentialsUri",
];

/** The main object's constructor arguments: what `dagger call` takes before the function name. */
export async function constructorArgs(): Promise<Record<string, RegisteredArgument>> {
  const found = (await introspectModule()).objects.EcsPipeline;
  if (!found) throw new Error("EcsPipeline is not registered");
  return found.constructorArgs;
}

/** camelCase (module) to kebab-case (CLI), the way the Dagger CLI names functions and flags. */
export function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** One function of the module's main object, or a failure naming it. */
export async function registeredFunction(name: string): Promise<RegisteredFunction> {
  const found = (await introspectModule()).objects.EcsPipeline?.functions[name];
  if (!found) throw new Error(`EcsPipeline.${name} is not registered`);
  return found;
}

/** name -> "name: type[?][ = default][ @ defaultPath]" in declaration order: a signature at a glance. */
export function signature(args: Record<string, RegisteredArgument>): string[] {
  return Object.entries(args).map(
    ([name, a]) =>
      `${name}: ${a.type}${a.optional ? "?" : ""}${a.defaultValue === undefined ? "" : ` = ${JSON.stringify(a.defaultValue)}`}${
        a.defaultPath ? ` @ ${a.defaultPath}` : ""
      }`,
  );
}

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
let cached: Promise<RegisteredModule> | undefined;

export function introspectModule(): Promise<RegisteredModule> {
  cached ??= scanModule();
  return cached;
}

function typeName(t: TypeDefJson | undefined): string {
  if (!t) return "void";
  switch (t.kind) {
    case "LIST_KIND":
      return `[${typeName(t.typeDef)}]`;
    case "OBJECT_KIND":
    case "ENUM_KIND":
    case "INTERFACE_KIND":
    case "SCALAR_KIND":
    case "INPUT_KIND":
      return t.name ?? t.kind;
    default:
      return t.kind.replace(/_KIND$/, "").toLowerCase();
  }
}

async function scanModule(): Promise<RegisteredModule> {
  const config = JSON.parse(readFileSync(path.join(repoRoot, "dagger.json"), "utf8")) as {
    name: string;
    engineVersion: string;
    source: string;
  };
  const moduleDir = path.join(repoRoot, config.source);
  const sdk = path.join(moduleDir, "node_modules/@dagger.io/dagger/dist/src");
  // The introspector resolves the API's types from a file named client.gen.ts, as the engine provides.
  const tmp = mkdtempSync(path.join(os.tmpdir(), "introspect-"));
  copyFileSync(path.join(sdk, "api/client.gen.d.ts"), path.join(tmp, "client.gen.ts"));
  const files = listSources(path.join(moduleDir, "src"));
  const { scan } = (await import(pathToFileURL(path.join(sdk, "module/introspector/index.js")).href)) as {
    scan: (files: string[], name: string, load: boolean) => Promise<ScannedModule>;
  };
  const scanned = await scan([...files, path.join(tmp, "client.gen.ts")], config.name, false);
  const objects: RegisteredModule["objects"] = {};
  for (const [objectName, object] of Object.entries(scanned.objects)) {
    const functions: Record<string, RegisteredFunction> = {};
    for (const [fnName, fn] of Object.entries(object.methods)) {
      const json = JSON.parse(JSON.stringify(fn)) as ScannedFunctionJson;
      const args = registeredArgs(json.arguments);
      functions[fnName] = {
        description: json.description,
        cache: fn.cache ?? null,
        check: fn.isCheck,
        returns: typeName(json.returnType),
        args,
      };
    }
    // `constructor` is an own key of the JSON only when the class declares one.
    const whole = JSON.parse(JSON.stringify(object)) as Record<string, { arguments: ScannedArgsJson } | undefined>;
    const ctor = Object.hasOwn(whole, "constructor") ? whole.constructor : undefined;
    const fields: Record<string, { description: string; type: string }> = {};
    for (const [name, prop] of Object.entries(object.properties ?? {})) {
      const json = JSON.parse(JSON.stringify(prop)) as { description: string; type?: TypeDefJson; isExposed: boolean };
      if (json.isExposed) fields[name] = { description: json.description, type: typeName(json.type) };
    }
    objects[objectName] = {
      description: object.description,
      constructorArgs: registeredArgs(ctor?.arguments ?? {}),
      functions,
      fields,
    };
  }
  const enums: RegisteredModule["enums"] = {};
  for (const [enumName, e] of Object.entries(scanned.enums ?? {})) {
    const json = JSON.parse(JSON.stringify(e)) as { values: Record<string, { value: string }> };
    enums[enumName] = Object.fromEntries(Object.entries(json.values).map(([member, v]) => [member, v.value]));
  }
  return { name: config.name, engineVersion: config.engineVersion, objects, enums };
}

function registeredArgs(scanned: ScannedArgsJson): Record<string, RegisteredArgument> {
  const args: Record<string, RegisteredArgument> = {};
  for (const [argName, arg] of Object.entries(scanned)) {
    args[argName] = {
      description: arg.description,
      type: typeName(arg.type),
      // register.js: a default it cannot register (a list) makes the argument optional instead.
      optional: arg.isOptional || Array.isArray(arg.defaultValue),
      // The introspector keeps the literal's value (a string default is a plain string, not
      // JSON); the engine registers it only for primitive types (register.js), so a list
      // default such as `services: string[] = []` is registered as optional with no default.
      defaultValue: Array.isArray(arg.defaultValue) ? undefined : arg.defaultValue,
      defaultPath: arg.defaultPath,
      ignore: arg.ignore,
    };
  }
  return args;
}

function listSources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) return listSources(p);
    return /\.ts$/.test(entry) && !entry.endsWith(".d.ts") ? [p] : [];
  });
}

interface ScannedModule {
  enums?: Record<string, unknown>;
  objects: Record<
    string,
    {
      description: string;
      methods: Record<string, { cache?: string; isCheck: boolean; toJSON(): unknown }>;
      properties?: Record<string, { toJSON(): unknown }>;
    }
  >;
}

type ScannedArgsJson = Record<
  string,
  {
    description: string;
    type?: TypeDefJson;
    isOptional: boolean;
    defaultValue?: unknown;
    defaultPath?: string;
    ignore?: string[];
  }
>;

interface ScannedFunctionJson {
  description: string;
  returnType?: TypeDefJson;
  arguments: ScannedArgsJson;
}
