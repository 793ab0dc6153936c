/**
 * `/login [provider]`: logs in with OAuth (ChatGPT Plus/Pro first). Without a provider, a
 * menu of them (those logged in say so). The authorize URL is printed whole, the browser
 * opened; the paste prompt takes the redirect URL or code when the callback cannot come.
 * Ctrl+C cancels the login; Escape closes the paste prompt only (a waiting browser login
 * goes on).
 * @module
 */

import { PiError } from "../../../errors.ts";
import { oneLine } from "../../../one_line.ts";
import type { SlashCommand } from "../commands.ts";
import { errorLine } from "../lines.ts";

/** The /login command. */
export const login: SlashCommand = {
  name: "login",
  summary: "log in to a provider (ChatGPT Plus/Pro first)",
  async run(app, arg) {
    const { listOAuthProviders, getOAuthProvider } = await import(
      "../../../auth/oauth_providers.ts"
    );
    let id = arg.split(/\s+/)[0] || undefined;
    if (id !== undefined && !getOAuthProvider(id)) {
      const known = listOAuthProviders().map((p) => p.id).join(", ");
      return app.error(`Unknown OAuth provider: ${id} (known: ${known})`);
    }
    if (id === undefined) {
      const items = listOAuthProviders().map((p) => ({
        label: p.name,
        value: p.id,
        hint: app.auth.has(p.id) ? "logged in" : undefined,
      }));
      id = await app.menu("Log in to", items);
      if (id === undefined) return app.info("Login cancelled");
    }
    const provider = getOAuthProvider(id)!;
    const signal = app.beginWork(`Logging in to ${provider.name}…`);
    app.render();
    const s = app.style;
    try {
      const credential = await app.auth.login(id, {
        onAuth: ({ url, instructions }) => {
          // The URL alone on its line, whole: the terminal wraps it, and it stays one
          // link (OSC 8 where the terminal takes it).
          const link = oneLine(url);
          app.print(s.bold("Open this URL to log in:"), s.cyan(s.link(link, link)));
          if (instructions) app.info(instructions);
        },
        onPrompt: async ({ message, signal }) => {
          const text = await app.ask(message, signal);
          // Escape: no more pasting (a waiting browser login goes on); "" is asked again.
          if (text === undefined) {
            throw new PiError("auth.login_cancelled", "The paste prompt was closed", {
              hint: "run /login again",
            });
          }
          return text;
        },
        onProgress: (message) => app.info(message),
        onDeviceCode: ({ userCode, verificationUrl }) => {
          const link = oneLine(verificationUrl);
          app.print(s.bold(`Enter the code ${oneLine(userCode)} at`), s.cyan(s.link(link, link)));
        },
        signal,
      });
      const { tryJwtClaims } = await import("../../../auth/jwt.ts");
      // An opaque token names no one: the stored account id, if any, does.
      const claims = tryJwtClaims(credential.access);
      const account = claims.email ?? credential.accountId;
      const who = [
        account ? ` as ${oneLine(account)}` : "",
        claims.planType ? ` (plan: ${oneLine(claims.planType)})` : "",
      ].join("");
      app.print(s.green(`✓ Logged in to ${provider.name}${who}`));
    } catch (err) {
      if (signal.aborted) app.info("Login cancelled");
      else app.error(errorLine(err));
    } finally {
      app.host.closeAll(); // the paste prompt, if the login ended while it was open
      app.endWork();
    }
  },
};
