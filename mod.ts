/**
 * pi as a library: credentials (AuthStorage), models (ModelRegistry), login providers
 * and the streaming clients. Relative imports and Web/Deno APIs only, so this module
 * works when imported by URL with no deno.json.
 *
 * @example
 * ```ts ignore
 * import { AuthStorage, ModelRegistry } from "./mod.ts";
 * const authStorage = new AuthStorage(); // <agent dir>/auth.json, or new AuthStorage(path)
 * const modelRegistry = new ModelRegistry(authStorage);
 * await authStorage.login("openai-codex", {
 *   onAuth: ({ url }) => console.log(`Open ${url}`),
 *   onPrompt: ({ message }) => Promise.resolve(prompt(message) ?? ""),
 * });
 * const apiKey = await authStorage.getApiKey("openai-codex");
 * console.log(apiKey !== undefined, modelRegistry.getAvailable().map((m) => m.id));
 * ```
 * @module
 */

export { VERSION } from "./src/version.ts";
export { PiError } from "./src/errors.ts";
export type { PiErrorCode, PiErrorOptions } from "./src/errors.ts";
export { createDeps } from "./src/deps.ts";
export type { Deps, Input, Output } from "./src/deps.ts";
export {
  getOAuthProvider,
  listOAuthProviders,
  registerOAuthProvider,
} from "./src/auth/oauth_providers.ts";
export { AuthStorage } from "./src/auth/auth_storage.ts";
export { getApiKey, login, loginOpenAICodex } from "./src/auth/shortcuts.ts";
export type {
  AccountChange,
  AuthLoginOptions,
  AuthStorageOptions,
  KeySourceKind,
  LogoutResult,
  StoredAccount,
  StoreLoginOptions,
} from "./src/auth/auth_storage.ts";
export type { RefreshRejection } from "./src/auth/login_state.ts";
export { decodeJwtPayload, getAccountId, getJwtClaims, getJwtExpiry } from "./src/auth/jwt.ts";
export type { JwtClaims } from "./src/auth/jwt.ts";
export type { OpenAICodexLoginOptions, OpenAICodexPaths } from "./src/auth/openai_codex_login.ts";
export { buildAuthorizeUrl, generatePkce, generateState, pkceChallenge } from "./src/auth/pkce.ts";
export type { AuthorizeUrlParams, Pkce } from "./src/auth/pkce.ts";
export { codeFromManualInput, parseManualInput } from "./src/auth/manual_input.ts";
export type { ManualInput } from "./src/auth/manual_input.ts";
export { credentialFromCodexAuth, importCodexAuth } from "./src/auth/codex_import.ts";
export type {
  AccountRef,
  AccountSwitch,
  ApiKeyCredential,
  Credential,
  KeySource,
  LoginCallbacks,
  LoginOptions,
  NextAccountOptions,
  OAuthCredential,
  OAuthProvider,
  OAuthRefreshOptions,
} from "./src/auth/types.ts";
export type { Model, ModelApi, ModelCost, ReasoningLevel } from "./src/models/types.ts";
export { ModelRegistry } from "./src/models/model_registry.ts";
export type {
  DefaultModelOptions,
  ModelRegistryOptions,
  RefreshOptions,
  RefreshResult,
  RegistryDeps,
  ResolveOptions,
} from "./src/models/model_registry.ts";
export type { SkippedModel } from "./src/models/models_file.ts";
export { BUILTIN_MODELS, DEFAULT_MODEL } from "./src/models/builtin_models.ts";
export { matchPatterns, parsePatterns } from "./src/models/glob.ts";
export type { ModelPattern, ScopedModel, ScopeMatch } from "./src/models/glob.ts";
export { AssistantStream, complete, stream } from "./src/ai/stream.ts";
export type { StreamOptions } from "./src/ai/stream.ts";
export type { ResponsesFields, ResponsesInputItem } from "./src/ai/responses_shared.ts";
export type { RetryOptions } from "./src/ai/retry.ts";
export { MessageBuilder, reduceEvents } from "./src/ai/reduce.ts";
export { SSEDecoder } from "./src/ai/sse.ts";
export type { SSEEvent } from "./src/ai/sse.ts";
export { UsageSnapshotStore } from "./src/ai/usage.ts";
export type {
  AssistantMessage,
  Context,
  Cost,
  ImageContent,
  Message,
  RateLimitWindow,
  StopReason,
  StreamEvent,
  TextContent,
  ThinkingContent,
  Tool,
  ToolCall,
  ToolResultMessage,
  Usage,
  UsageSnapshot,
  UserMessage,
} from "./src/ai/types.ts";
