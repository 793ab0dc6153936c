/**
 * Which model a run uses: `--provider`, `--model`, `--models` and `--thinking` resolved by
 * the ModelRegistry (CONTRACT.md: Command line; "Default model when none is given").
 * Shared by the root command, print mode and interactive mode.
 * @module
 */

import type { AuthStorage } from "../auth/auth_storage.ts";
import { applyAccountOptions } from "./account_options.ts";
import { openAuthStorage } from "./open_auth.ts";
import type { Deps } from "../deps.ts";
import { PiError } from "../errors.ts";
import { splitThinking } from "../models/glob.ts";
import type { ScopedModel } from "../models/glob.ts";
import { ModelRegistry } from "../models/model_registry.ts";
import { thinkingNotice } from "../models/thinking.ts";
import type { Model, ReasoningLevel } from "../models/types.ts";
import type { OptionValues } from "./args.ts";
import { readSettings, type Settings } from "../settings.ts";

/** The model a run uses, its thinking level, and the `--models` scope for Ctrl+P. */
export interface ModelSelection {
  /** The model. */
  model: Model;
  /** Thinking level: `--thinking`, else a `:level` suffix, else undefined (model default). */
  thinking?: ReasoningLevel;
  /** The resolved `--models` scope (empty without `--models`). */
  scope: ScopedModel[];
  /**
   * Said once when the chosen level is not one the model supports (src/models/thinking.ts):
   * `gpt-5 does not support thinking level xhigh; using high`.
   */
  thinkingNotice?: string;
}

/** A registry (and the AuthStorage behind it) for this process's agent dir. */
export function openModelRegistry(
  deps: Deps,
  authStorage: AuthStorage = openAuthStorage(deps),
): { registry: ModelRegistry; authStorage: AuthStorage } {
  return { registry: new ModelRegistry(authStorage, { deps }), authStorage };
}

/** The value of a string option; undefined when it is absent (or a flag). */
export function stringOption(options: OptionValues, name: string): string | undefined {
  const value = options[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * The model settings.json's `defaultModel` (with `defaultProvider`, as pi-mono reads them)
 * names, when pi knows it; undefined when it names none or one pi does not have (the file
 * is pi-mono's too, which knows providers pi does not). With `--provider`, only a default
 * of that provider counts.
 */
function settingsModel(
  registry: ModelRegistry,
  settings: Settings,
  provider?: string,
): Model | undefined {
  const id = settings.defaultModel;
  if (id === undefined) return undefined;
  const wanted = settings.defaultProvider;
  if (provider !== undefined && wanted !== undefined && wanted !== provider) return undefined;
  const from = wanted ?? provider;
  if (from !== undefined) return registry.find(from, id);
  return registry.getAll().find((m) => m.id === id);
}

/**
 * Resolves the model flags, then settings.json's defaults (`defaultModel`,
 * `defaultThinkingLevel`) where no flag gives one. Unknown provider, unknown or ambiguous
 * model, and a `--models` pattern that matches nothing are usage errors (exit 2) that list
 * what is known.
 */
export function selectModel(
  registry: ModelRegistry,
  options: OptionValues,
  settings: Settings = {},
): ModelSelection {
  const provider = stringOption(options, "provider");
  if (provider !== undefined) registry.validateProvider(provider);
  const models = stringOption(options, "models");
  let scope: ScopedModel[] = [];
  if (models !== undefined) {
    if (models.split(",").every((p) => p.trim() === "")) {
      throw new PiError("usage", "--models needs at least one pattern", {
        hint: 'e.g. --models "openai-codex/*,anthropic/*"',
      });
    }
    scope = registry.scope(models);
    if (provider !== undefined) {
      scope = scope.filter((s) => s.model.provider === provider);
      if (scope.length === 0) {
        throw new PiError(
          "models.unknown",
          `No model of provider ${provider} matches --models ${models}`,
          { hint: "run pi models to list them all" },
        );
      }
    }
  }
  const flag = stringOption(options, "thinking") as ReasoningLevel | undefined;
  const spec = stringOption(options, "model");
  let picked: ScopedModel;
  if (spec !== undefined) {
    const { base, thinking } = splitThinking(spec.trim());
    const model = registry.resolve(base, provider === undefined ? {} : { provider });
    picked = thinking === undefined ? { model } : { model, thinking };
  } else {
    const fromSettings = scope.length === 0
      ? settingsModel(registry, settings, provider)
      : undefined;
    picked = fromSettings
      ? { model: fromSettings }
      : registry.defaultModel({ scope, ...(provider === undefined ? {} : { provider }) });
  }
  const chosen = flag ?? picked.thinking;
  // settings.json's level is a default: clamped to the model like any, without a notice.
  const thinking = chosen ?? settings.defaultThinkingLevel;
  const selection: ModelSelection = thinking === undefined
    ? { model: picked.model, scope }
    : { model: picked.model, thinking, scope };
  const notice = thinkingNotice(picked.model, chosen);
  if (notice !== undefined) selection.thinkingNotice = notice;
  return selection;
}

/** What a prompt-running command (print or interactive mode) works with. */
export interface RunContext extends ModelSelection {
  /** Credentials, with `--api-key` set as the runtime key. */
  authStorage: AuthStorage;
  /** Models. */
  registry: ModelRegistry;
  /** `<agent dir>/settings.json` (`{}` when there is none). */
  settings: Settings;
}

/**
 * Opens credentials and models once for this process, applies `--account`/`PI_ACCOUNT` and
 * `--rotate-accounts`, and resolves the model flags of `options` (fails fast with exit 2 on
 * unknown names, accounts included). `--api-key` is the runtime key of
 * the provider it is meant for: `--provider`, else the provider of `--model`, else
 * `openai-codex`.
 */
export function openRunContext(
  options: OptionValues,
  deps: Deps,
  onWarning?: (message: string) => void,
): RunContext {
  const settings = readSettings(deps.agentDir);
  const { registry, authStorage } = openModelRegistry(deps, openAuthStorage(deps, onWarning));
  // The account first: the default model depends on which keys there are.
  applyAccountOptions(authStorage, options, deps);
  const key = stringOption(options, "api-key");
  if (key !== undefined) {
    let provider = stringOption(options, "provider");
    const spec = stringOption(options, "model");
    if (provider === undefined && spec !== undefined) {
      provider = registry.resolve(splitThinking(spec.trim()).base).provider;
    }
    authStorage.setRuntimeApiKey(provider ?? "openai-codex", key);
  }
  const selection = selectModel(registry, options, settings);
  // Said the same way by every mode: before print mode's answer and above the screen.
  if (selection.thinkingNotice !== undefined) {
    if (onWarning) onWarning(selection.thinkingNotice);
    else deps.stderr.write(`pi: ${selection.thinkingNotice}\n`);
  }
  return { ...selection, registry, authStorage, settings };
}

/** Which of the model and the thinking level the flags chose (not defaults). */
export interface ExplicitChoice {
  /** `--model`, `--provider` or `--models` was given. */
  model: boolean;
  /** `--thinking`, or a `:level` on the model the flags chose. */
  thinking: boolean;
}

/**
 * What the flags chose explicitly: a continued session keeps its own model and thinking level
 * for whatever the flags left to the default.
 */
export function explicitChoice(options: OptionValues, selection: ModelSelection): ExplicitChoice {
  const model = ["model", "provider", "models"].some((n) => stringOption(options, n) !== undefined);
  const thinking = stringOption(options, "thinking") !== undefined ||
    (model && selection.thinking !== undefined);
  return { model, thinking };
}

/** The model and thinking level a continued session runs with, and what to say about it. */
export interface ContinuedSelection {
  /** The model. */
  model: Model;
  /** The thinking level (undefined: the model's default). */
  thinking?: ReasoningLevel;
  /** Whether the thinking level came from the session. */
  thinkingFromSession: boolean;
  /** One line when the session's model is not known here (the selected one is used). */
  notice?: string;
}

/**
 * The model and thinking level for a continued session: the session's own (`restored`),
 * unless the flags chose them (`explicit`); a session model the registry does not know, or
 * whose provider has no key while the selected one's has, falls back to the selected one, and
 * says so (one line).
 */
export function continuedSelection(
  registry: Pick<ModelRegistry, "find" | "hasKey">,
  selection: ModelSelection,
  explicit: ExplicitChoice,
  restored: { model?: { provider: string; modelId: string }; thinking?: ReasoningLevel },
): ContinuedSelection {
  let model = selection.model;
  let notice: string | undefined;
  if (!explicit.model && restored.model) {
    const { provider, modelId } = restored.model;
    const found = registry.find(provider, modelId);
    const using = `using ${model.provider}/${model.id}`;
    if (!found) {
      notice = `The session's model ${provider}/${modelId} is not known here; ${using}`;
    } else if (!registry.hasKey(found.provider) && registry.hasKey(model.provider)) {
      notice = `No key for ${provider}, the session's provider; ${using}`;
    } else model = found;
  }
  const fromSession = !explicit.thinking && restored.thinking !== undefined;
  const thinking = fromSession ? restored.thinking : selection.thinking;
  const out: ContinuedSelection = { model, thinkingFromSession: fromSession };
  if (thinking !== undefined) out.thinking = thinking;
  if (notice !== undefined) out.notice = notice;
  return out;
}
