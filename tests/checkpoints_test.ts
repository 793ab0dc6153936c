import assert from "node:assert/strict";
import { checkpointDir, CheckpointStore, statesAt } from "../src/agent/checkpoints.ts";
import { editTool } from "../src/agent/tools/edit.ts";
import { writeTool } from "../src/agent/tools/write.ts";
import { resultText } from "../src/agent/tools/types.ts";

async function withTemp(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "pi_checkpoints_" }));
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const deps = { now: () => Date.UTC(2025, 0, 1) };

Deno.test("checkpoints: a file's bytes (or its absence) saved once per turn, private, and given back exactly", async () => {
  await withTemp(async (dir) => {
    const agentDir = `${dir}/agent`;
    const store = new CheckpointStore(agentDir, "sess-1", deps);
    const a = `${dir}/a.bin`;
    const b = `${dir}/new/b.txt`;
    const original = new Uint8Array([0, 255, 13, 10, 65]);
    await Deno.writeFile(a, original);
    await Deno.chmod(a, 0o751);
    const turn1 = { entryId: "u1", n: 1 };
    await store.save(a, turn1);
    await Deno.writeTextFile(a, "changed once");
    await store.save(a, turn1); // the same turn: the first state is what counts
    await store.save(b, turn1);
    await Deno.mkdir(`${dir}/new`);
    await Deno.writeTextFile(b, "created");
    const turn2 = { entryId: "u2", n: 2 };
    await store.save(a, turn2);
    await Deno.writeTextFile(a, "changed twice");

    const records = await store.records();
    assert.deepEqual(records.map((r) => [r.turn, r.n, r.path, r.blob === null, r.mode]), [
      ["u1", 1, a, false, 0o751],
      ["u1", 1, b, true, null],
      ["u2", 2, a, false, 0o751],
    ]);
    assert.equal(records[0].time, "2025-01-01T00:00:00.000Z");
    const cp = checkpointDir(agentDir, "sess-1");
    for (const path of [`${agentDir}/checkpoints`, cp, `${cp}/blobs`]) {
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o700, path);
    }
    assert.equal((await Deno.stat(`${cp}/index.jsonl`)).mode! & 0o777, 0o600);
    for await (const blob of Deno.readDir(`${cp}/blobs`)) {
      assert.equal((await Deno.stat(`${cp}/blobs/${blob.name}`)).mode! & 0o777, 0o600);
    }

    // Back to before turn 1: the original bytes and mode; b did not exist.
    const rewindTurn = { entryId: "u3", n: 1 };
    const restored = await store.restore(statesAt(records, () => true), rewindTurn);
    assert.deepEqual(restored, [{ path: a, action: "restored" }, { path: b, action: "deleted" }]);
    assert.deepEqual(await Deno.readFile(a), original);
    assert.equal((await Deno.stat(a)).mode! & 0o777, 0o751);
    await assert.rejects(Deno.stat(b), Deno.errors.NotFound);
    // What was replaced was saved too (under the rewind's turn): forward again, exactly.
    const again = await store.records();
    assert.deepEqual(again.slice(3).map((r) => [r.turn, r.path]), [["u3", a], ["u3", b]]);
    const forward = await store.restore(
      statesAt(again, (turn) => turn === "u3"),
      { entryId: "u4", n: 1 },
    );
    assert.deepEqual(forward.map((f) => f.action), ["restored", "restored"]);
    assert.equal(await Deno.readTextFile(a), "changed twice");
    assert.equal(await Deno.readTextFile(b), "created");
    // Nothing to do when the files already hold that content.
    assert.deepEqual(
      await store.restore(statesAt(await store.records(), (t) => t === "u3"), {
        entryId: "u5",
        n: 1,
      }),
      [],
    );
  });
});

Deno.test("checkpoints: a missing saved content is reported for that file, the others are still restored; a cut index line is skipped", async () => {
  await withTemp(async (dir) => {
    const store = new CheckpointStore(`${dir}/agent`, "s", deps);
    const a = `${dir}/a`;
    const b = `${dir}/b`;
    await Deno.writeTextFile(a, "A0");
    await Deno.writeTextFile(b, "B0");
    await store.save(a, { entryId: "u1", n: 1 });
    await store.save(b, { entryId: "u1", n: 1 });
    await Deno.writeTextFile(a, "A1");
    await Deno.writeTextFile(b, "B1");
    const records = await store.records();
    await Deno.remove(`${store.dir}/blobs/${records[0].blob}`);
    await Deno.writeTextFile(`${store.dir}/index.jsonl`, '{"v":1,"turn":"u1","pa', {
      append: true,
    });
    assert.equal((await store.records()).length, 2);
    const out = await store.restore(statesAt(records, () => true), { entryId: "u2", n: 1 });
    assert.deepEqual(out, [
      { path: a, action: "restored", error: "its saved content is missing" },
      { path: b, action: "restored" },
    ]);
    assert.equal(await Deno.readTextFile(a), "A1");
    assert.equal(await Deno.readTextFile(b), "B0");
  });
});

Deno.test("checkpointDir keeps an odd session id inside the checkpoints directory", () => {
  assert.equal(checkpointDir("/a", "0b1c-2d"), "/a/checkpoints/0b1c-2d");
  assert.equal(checkpointDir("/a/", "../../etc"), "/a/checkpoints/%2e%2e%2f%2e%2e%2fetc");
});

Deno.test("write and edit call the checkpoint hook before they change a file; a failing hook leaves the file unchanged; a refused edit calls nothing", async () => {
  await withTemp(async (dir) => {
    const seen: { path: string; content: string | null }[] = [];
    const checkpoint = async (path: string) => {
      let content: string | null = null;
      try {
        content = await Deno.readTextFile(path);
      } catch {
        // absent
      }
      seen.push({ path, content });
    };
    const w = await writeTool.execute({ path: "f.txt", content: "one" }, { cwd: dir, checkpoint });
    assert.equal(w.isError, false);
    const e = await editTool.execute(
      { path: "f.txt", oldText: "one", newText: "two" },
      { cwd: dir, checkpoint },
    );
    assert.equal(e.isError, false);
    const refused = await editTool.execute(
      { path: "f.txt", oldText: "absent", newText: "x" },
      { cwd: dir, checkpoint },
    );
    assert.equal(refused.isError, true);
    assert.deepEqual(seen, [
      { path: `${dir}/f.txt`, content: null },
      { path: `${dir}/f.txt`, content: "one" },
    ]);
    const failing = () => Promise.reject(new Error("disk full"));
    for (
      const result of [
        await writeTool.execute({ path: "f.txt", content: "three" }, {
          cwd: dir,
          checkpoint: failing,
        }),
        await editTool.execute(
          { path: "f.txt", oldText: "two", newText: "three" },
          { cwd: dir, checkpoint: failing },
        ),
      ]
    ) {
      assert.equal(result.isError, true);
      assert.equal(
        resultText(result),
        "Could not save a checkpoint of f.txt before changing it (disk full); the file is unchanged",
      );
    }
    assert.equal(await Deno.readTextFile(`${dir}/f.txt`), "two");
  });
});
