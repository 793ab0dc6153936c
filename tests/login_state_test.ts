import assert from "node:assert/strict";
import { recordRefreshRejection, refreshRejection } from "../src/auth/login_state.ts";

Deno.test({
  name:
    "auth-state.json: a refused refresh is remembered for its token; a FIFO in its place is no state, never a hang",
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "pi_login_state_" });
    try {
      const auth = `${dir}/auth.json`;
      await recordRefreshRejection(auth, "openai-codex", "rt-old", {
        at: 1,
        reason: "invalid_grant",
      });
      assert.equal(
        (await refreshRejection(auth, "openai-codex", "rt-old"))?.reason,
        "invalid_grant",
      );
      assert.equal(await refreshRejection(auth, "openai-codex", "rt-new"), undefined);
      await Deno.remove(`${dir}/auth-state.json`);
      const made = await new Deno.Command("mkfifo", { args: [`${dir}/auth-state.json`] }).output();
      assert.ok(made.success, "mkfifo");
      assert.equal(await refreshRejection(auth, "openai-codex", "rt-old"), undefined);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
