// Command mcp is the Lambda function behind Resync's MCP server: the Model
// Context Protocol over Streamable HTTP (stateless, so any instance answers
// any request) at /mcp, and the OAuth 2.0 protected-resource metadata that
// tells an MCP client where to sign in. It offers the agents' tool catalogue,
// filtered by the caller's roles exactly as the agents' allow-lists are, and
// as resources a job's log and the sections of the ingested runbooks. An action proposed over MCP is executed only
// when a human confirms it with a justification: through MCP elicitation
// when the client supports it, else in the web console.
package main

import (
	"context"
	"io"

	"github.com/resync/resync/shared/edge/lambdamain"
)

func main() { lambdamain.Main("mcp", run) }

// run wires the clients once per execution environment and serves invokes.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	app, err := build(ctx, getenv, stdout)
	if err != nil {
		return err
	}
	defer app.Close()
	lambdamain.Start(ctx, getenv, stdout, lambdamain.HTTP(app.handler))
	return nil
}
