package offline_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/resync/resync/shared/app/offline"
	"github.com/resync/resync/shared/domain/llm"
)

// The offline model answers a question in two steps, as a real model does:
// first the tool use, then, given the tool's result, the answer.
func Example() {
	m := offline.New()
	tools := []llm.ToolSpec{{Name: "search_jobs", Description: "Search the jobs of the plan.",
		Schema: json.RawMessage(`{"type":"object","properties":{"status":{"type":"string"},"internalStatus":{"type":"string"},"stream":{"type":"string"},"workstation":{"type":"string"}}}`)}}
	msgs := []llm.Message{{Role: llm.User, Content: []llm.Block{{Text: "Which jobs abended on FTA2?"}}}}

	resp, _ := m.Stream(context.Background(), llm.Request{Tools: tools, Messages: msgs}, nil)
	use := resp.Message.ToolUses()[0]
	fmt.Println(resp.StopReason, use.Name, string(use.Input))

	result := `{"items":[{"id":"4f1c","name":"PAY_LOAD","stream":"PAYROLL","workstation":"FTA2","status":"ERROR","internalStatus":"ABEND",
		"lastRun":{"id":"r1","returnCode":12,"end":"2026-11-26T01:00:00Z"}}],"total":1,"asOf":"2026-11-26T01:05:00Z","stale":false}`
	msgs = append(msgs, resp.Message, llm.Message{Role: llm.User, Content: []llm.Block{{ToolResult: &llm.ToolResult{ToolUseID: use.ID, Content: result}}}})
	resp, _ = m.Stream(context.Background(), llm.Request{Tools: tools, Messages: msgs}, func(e llm.Event) error {
		return nil // text deltas of a few words each arrive here
	})
	fmt.Println(resp.StopReason)
	fmt.Println(resp.Message.Text())
	// Output:
	// tool_use search_jobs {"internalStatus":"ABEND","workstation":"FTA2"}
	// end_turn
	// 1 job is abended on workstation FTA2:
	// - PAYROLL.PAY_LOAD (id 4f1c) on FTA2, ERROR (ABEND), return code 12
}
