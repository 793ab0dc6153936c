import assert from "node:assert/strict";
import { UsageSnapshotStore } from "../src/ai/usage.ts";

Deno.test("UsageSnapshotStore: one snapshot per account entry; the old single-snapshot file reads as the default account's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/usage.json`;
    // The shape written before accounts: one snapshot under the provider.
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        "openai-codex": { capturedAt: 5, primary: { usedPercent: 40, windowMinutes: 300 } },
      }),
    );
    const store = new UsageSnapshotStore({ path });
    assert.deepEqual(store.latest("openai-codex"), {
      provider: "openai-codex",
      capturedAt: 5,
      primary: { usedPercent: 40, windowMinutes: 300 },
    });
    assert.equal(store.latest("openai-codex:work"), undefined);

    store.update({
      provider: "openai-codex",
      account: "openai-codex:work",
      accountId: "acct-w",
      capturedAt: 9,
      primary: { usedPercent: 70 },
    });
    assert.equal(store.latest("openai-codex")?.primary?.usedPercent, 40, "default kept");
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), {
      "openai-codex": { capturedAt: 5, primary: { usedPercent: 40, windowMinutes: 300 } },
      "openai-codex:work": { accountId: "acct-w", capturedAt: 9, primary: { usedPercent: 70 } },
    });
    const again = new UsageSnapshotStore({ path }).latest("openai-codex:work");
    assert.deepEqual(again, {
      provider: "openai-codex",
      account: "openai-codex:work",
      accountId: "acct-w",
      capturedAt: 9,
      primary: { usedPercent: 70 },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("UsageSnapshotStore: an update keeps the snapshots another process wrote since this one read the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/usage.json`;
    const first = new UsageSnapshotStore({ path });
    const second = new UsageSnapshotStore({ path }); // another pi, started at the same time
    first.update({ provider: "openai-codex", capturedAt: 1, primary: { usedPercent: 10 } });
    second.update({
      provider: "openai-codex",
      account: "openai-codex:work",
      capturedAt: 2,
      primary: { usedPercent: 20 },
    });
    const data = JSON.parse(await Deno.readTextFile(path));
    assert.deepEqual(Object.keys(data).sort(), ["openai-codex", "openai-codex:work"]);
    assert.equal(second.latest("openai-codex")?.primary?.usedPercent, 10);
    first.reload();
    assert.equal(first.latest("openai-codex:work")?.primary?.usedPercent, 20);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("UsageSnapshotStore: the file is read when first needed, not when the store is made", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/usage.json`;
    const store = new UsageSnapshotStore({ path }); // print mode makes one and may never ask
    await Deno.writeTextFile(
      path,
      JSON.stringify({ "openai-codex": { capturedAt: 3, primary: { usedPercent: 30 } } }),
    );
    assert.equal(store.latest("openai-codex")?.primary?.usedPercent, 30);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
