/**
 * `/logout [provider]`: removes saved credentials after a confirmation. Without a
 * provider, a menu of those saved in auth.json. The token is revoked where the provider
 * allows (5 s at most); the local entry goes either way.
 * @module
 */

import {
  ACCOUNT_PROVIDER,
  accountOfEntry,
  DEFAULT_ACCOUNT,
  providerOfEntry,
} from "../../../auth/accounts.ts";
import { oneLine } from "../../../one_line.ts";
import { redact } from "../../../redact.ts";
import type { SlashCommand } from "../commands.ts";
import { errorLine } from "../lines.ts";

/** The /logout command. */
export const logout: SlashCommand = {
  name: "logout",
  summary: "remove saved credentials (shows where you are logged in)",
  async run(app, arg) {
    const { getOAuthProvider } = await import("../../../auth/oauth_providers.ts");
    app.auth.reload();
    const stored = app.auth.list();
    const named = stored.some((p) => accountOfEntry(p) !== undefined && p !== ACCOUNT_PROVIDER);
    // A ChatGPT account's entry says which account: `ChatGPT Plus/Pro (…) — work`.
    const label = (id: string) => {
      const provider = getOAuthProvider(providerOfEntry(id))?.name ?? id;
      const account = accountOfEntry(id);
      return account !== undefined && (id !== ACCOUNT_PROVIDER || named)
        ? `${provider} — ${account}`
        : provider;
    };
    let id = arg.split(/\s+/)[0] || undefined;
    if (id === undefined) {
      if (stored.length === 0) {
        return app.info("Not logged in anywhere (nothing saved in auth.json)");
      }
      const items = stored.map((p) => {
        const cred = app.auth.get(p);
        const kind = cred?.type === "oauth" ? "OAuth" : "API key";
        return { label: `${p} — ${label(p)}`, value: p, hint: kind };
      });
      id = await app.menu("Log out of (saved credentials)", items);
      if (id === undefined) return app.info("Logout cancelled");
    } else if (!stored.includes(id)) {
      return app.error(`No saved credentials for ${id} (saved: ${stored.join(", ") || "none"})`);
    }
    if (!await app.confirm(`Log out of ${label(id)} (${id})?`)) {
      return app.info("Logout cancelled");
    }
    const signal = app.beginWork(`Logging out of ${id}…`);
    let revocation = "";
    try {
      // Best-effort revocation (5 s at most), then the local entry goes either way.
      const result = await app.auth.logout(id, { signal });
      if (result.revocation === "revoked") revocation = " (token revoked)";
      if (result.revocation === "failed") {
        revocation = `; revoking the token failed (${
          oneLine(redact(errorLine(new Error(result.revokeError))))
        }), the local credential was removed anyway`;
      }
    } finally {
      app.endWork();
    }
    const left = app.auth.list();
    const gone = accountOfEntry(id);
    let back = "";
    if (gone !== undefined && gone === app.auth.activeAccount() && gone !== DEFAULT_ACCOUNT) {
      // The account in use is gone: the next request uses the default one.
      app.auth.useAccount(DEFAULT_ACCOUNT);
      back = `; the next request uses the account ${DEFAULT_ACCOUNT}`;
    }
    app.meter.refresh();
    app.print(
      app.style.green(`✓ Logged out of ${oneLine(label(id))}${revocation}${back}`) +
        app.style.dim(left.length > 0 ? ` (still saved: ${oneLine(left.join(", "))})` : ""),
    );
    const { PROVIDER_ENV_KEYS } = await import("../../../auth/auth_storage.ts");
    const envName = PROVIDER_ENV_KEYS[id];
    if (envName && app.deps.env(envName)) {
      app.info(`Note: ${envName} is still set, so ${id} still has a key from the environment`);
    }
  },
};
