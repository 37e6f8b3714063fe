// Package agentsfile holds the agents file that the chat and MCP functions
// share: which agents exist, which roles may talk to each, and which tools
// each may call. The MCP server offers a caller exactly the tools of the
// agents the caller's roles permit (agent.Agents.ToolsFor), so the two
// entry points can never disagree about what a role may do.
package agentsfile

import (
	_ "embed"
	"slices"
)

//go:embed agents.json
var data []byte

// Bytes returns a copy of the agents file (see agent.LoadAgents).
func Bytes() []byte { return slices.Clone(data) }
