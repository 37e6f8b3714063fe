// Package embedder builds the embedder the functions that search runbooks
// (chat, mcp) embed questions with: the one ingest embedded the chunks
// with, or the vectors would not compare. Bedrock Titan when
// BEDROCK_EMBED_MODEL_ID is set (in BEDROCK_REGION, else AWS_REGION, through
// BEDROCK_ENDPOINT when set), else the offline lexical embedder.
package embedder

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/resync/resync/shared/adapter/bedrock"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/app/docs"
	"github.com/resync/resync/shared/app/retrieve"
	"github.com/resync/resync/shared/edge/config"
)

// New returns the question embedder the environment configures.
func New(ctx context.Context, getenv func(string) string, log *slog.Logger) (retrieve.Embedder, error) {
	modelID := getenv(config.EnvEmbeddingModel)
	if modelID == "" {
		return docs.Hashing{Dims: graph.DefaultEmbeddingDimensions}, nil
	}
	region := getenv(config.EnvBedrockRegion)
	if region == "" {
		region = getenv("AWS_REGION")
	}
	client, err := bedrock.NewClient(ctx, region, getenv(config.EnvBedrockEndpoint))
	if err != nil {
		return nil, fmt.Errorf("embeddings: %w", err)
	}
	e, err := bedrock.NewEmbedder(client, bedrock.EmbedderConfig{ModelID: modelID, Dimensions: graph.DefaultEmbeddingDimensions})
	if err != nil {
		return nil, fmt.Errorf("embeddings: %w", err)
	}
	log.InfoContext(ctx, "embedding questions with Bedrock", "model", modelID)
	return e, nil
}
