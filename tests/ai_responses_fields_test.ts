/** A client's own Responses fields, forwarded by responsesBody (pi serve). */
import assert from "node:assert/strict";
import { responsesBody } from "../src/ai/responses_shared.ts";
import { codexModel } from "./ai_fakes.ts";

Deno.test("responsesBody: a client's input, tools, tool_choice, parallel_tool_calls and text replace pi's; the rest stays pi's", () => {
  const input = [{
    type: "message",
    role: "developer",
    content: [{ type: "input_text", text: "d" }],
  }];
  const tools = [{ type: "function", name: "f", parameters: {}, strict: true }];
  const body = responsesBody(
    codexModel(),
    { systemPrompt: "Rules.", messages: [{ role: "user", content: "ignored" }] },
    {
      sessionId: "s-1",
      reasoning: "high",
      responses: {
        input,
        tools,
        tool_choice: "required",
        parallel_tool_calls: false,
        text: { format: { type: "json_object" } },
      },
    },
  );
  assert.deepEqual(body, {
    model: "gpt-5.2-codex",
    instructions: "Rules.",
    input,
    tools,
    tool_choice: "required",
    parallel_tool_calls: false,
    text: { format: { type: "json_object" } },
    reasoning: { effort: "high", summary: "auto" },
    store: false,
    stream: true,
    include: ["reasoning.encrypted_content"],
    prompt_cache_key: "s-1",
  });
  // Without them: the context's, as before, and no text field.
  const plain = responsesBody(codexModel(), { systemPrompt: "", messages: [] }, { sessionId: "s" });
  assert.deepEqual(
    [plain.instructions, plain.input, plain.tools, plain.tool_choice, plain.parallel_tool_calls],
    ["You are a helpful assistant.", [], [], "auto", true],
  );
  assert.equal("text" in plain, false);
});
