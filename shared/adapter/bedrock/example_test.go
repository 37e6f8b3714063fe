package bedrock_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/resync/resync/shared/adapter/bedrock"
	"github.com/resync/resync/shared/adapter/bedrock/bedrocksim"
	"github.com/resync/resync/shared/domain/llm"
)

// A Model streams text deltas and complete tool uses. Here it talks to the
// stand-in; in production the endpoint is empty and the region and model id
// come from configuration.
func ExampleModel_Stream() {
	ctx := context.Background()
	sim := bedrocksim.New()
	sim.Script(bedrocksim.Turn{
		Text:     []string{"Let me ", "look."},
		ToolUses: []bedrocksim.ToolUse{{ID: "t1", Name: "search_jobs", Input: `{"status":"ABEND"}`}},
	})
	srv := httptest.NewServer(sim)
	defer srv.Close()

	client, err := bedrock.NewClient(ctx, "eu-west-1", srv.URL,
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")))
	if err != nil {
		fmt.Println(err)
		return
	}
	model, err := bedrock.New(client, bedrock.Config{ModelID: "anthropic.claude-3-5-sonnet-20240620-v1:0"})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := model.Stream(ctx, llm.Request{
		Messages: []llm.Message{{Role: llm.User, Content: []llm.Block{{Text: "which jobs abended?"}}}},
		Tools: []llm.ToolSpec{llm.Spec[struct {
			Status string `json:"status"`
		}]("search_jobs", "Find jobs")},
	}, func(ev llm.Event) error {
		switch {
		case ev.TextDelta != "":
			fmt.Printf("delta %q\n", ev.TextDelta)
		case ev.ToolUse != nil:
			fmt.Printf("tool %s %s\n", ev.ToolUse.Name, ev.ToolUse.Input)
		}
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("stop:", resp.StopReason)
	// Output:
	// delta "Let me "
	// delta "look."
	// tool search_jobs {"status":"ABEND"}
	// stop: tool_use
}
