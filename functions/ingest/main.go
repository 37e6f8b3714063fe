// Command ingest is the Lambda function behind the documents bucket's object
// events and the topology-sync schedule. On ObjectCreated it reads the object
// through the S3 client (size-capped, type from content and name), parses and
// chunks it, embeds the chunks in batches (Bedrock Titan Text Embeddings v2
// when configured, the offline lexical embedder otherwise) and writes the
// document and its chunks to Neo4j in one transaction, linking chunks to the
// plan objects they name; on ObjectRemoved it deletes the document. On the
// topology-sync schedule it copies the plan's workstations, job streams, jobs
// and dependencies from HWA into the graph. Progress is pushed to the
// uploader's open WebSocket connections as event frames.
package main

import (
	"context"
	"io"

	"github.com/resync/resync/shared/edge/lambdamain"
)

func main() { lambdamain.Main("ingest", run) }

// run wires the clients once per execution environment and serves invokes.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	a, err := build(ctx, getenv, stdout)
	if err != nil {
		return err
	}
	defer a.Close()
	lambdamain.Start(ctx, getenv, stdout, a.handler.Invoke)
	return nil
}
