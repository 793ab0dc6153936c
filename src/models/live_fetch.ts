/**
 * The network and disk side of the live Codex list: the request and the atomic cache
 * write. Loaded only when the list is actually fetched, so startup stays light.
 * @module
 */

import type { Deps } from "../deps.ts";
import { PiError } from "../errors.ts";
import { redact } from "../redact.ts";
import { type LiveCache, type LiveModel, parseLiveModels } from "./live_models.ts";
import { dirname, writeFileAtomic } from "../atomic_file.ts";

export { getAccountId } from "../auth/jwt.ts";

/** Writes the cache atomically: temp file (0600) in the same dir → fsync → rename. */
export async function writeLiveCache(path: string, cache: LiveCache): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, JSON.stringify(cache, null, 2) + "\n", { mode: 0o600 });
}

/**
 * Fetches the live list. Throws `api.http` (non-2xx, bad body) or `api.network`; the
 * server's text is redacted before it reaches a message.
 */
export async function fetchLiveModels(
  deps: Pick<Deps, "fetch">,
  request: { baseUrl: string; clientVersion: string; token: string; accountId: string },
  signal?: AbortSignal,
): Promise<LiveModel[]> {
  const url = `${request.baseUrl}/codex/models?client_version=${
    encodeURIComponent(request.clientVersion)
  }`;
  let response: Response;
  try {
    response = await deps.fetch(url, {
      headers: {
        "authorization": `Bearer ${request.token}`,
        "chatgpt-account-id": request.accountId,
        "originator": "pi",
        "accept": "application/json",
      },
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw signal.reason ?? err;
    throw new PiError("api.network", `Cannot reach ${request.baseUrl} for the model list`, {
      cause: err,
    });
  }
  if (!response.ok) {
    const text = redact((await response.text().catch(() => "")).slice(0, 200));
    throw new PiError(
      "api.http",
      `The model list request failed: HTTP ${response.status}${text ? ` ${text}` : ""}`,
    );
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (err) {
    throw new PiError("api.http", "The model list from the ChatGPT backend is not JSON", {
      cause: err,
    });
  }
  return parseLiveModels(body);
}
