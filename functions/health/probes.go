package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/hwa"
)

// engine is what the HWA check needs of the HWA client (*hwa.Client).
type engine interface {
	EngineInfo(ctx context.Context) (hwa.EngineInfo, error)
	CountJobs(ctx context.Context, planFilter string, groupBy ...string) (hwa.GroupedCount, error)
}

// hwaProbe asks HWA for its engine info and then for one cheap plan query
// (the job count).
func hwaProbe(c engine, timeout time.Duration) probe {
	return probe{name: "hwa", timeout: timeout, run: func(ctx context.Context) (string, error) {
		info, err := c.EngineInfo(ctx)
		if err != nil {
			return "", err
		}
		n, err := c.CountJobs(ctx, "")
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("engine %s, %d jobs in the plan", info.DisplayVersion, n.Count), nil
	}}
}

// redisProbe writes a random value under a short-lived key, reads it back
// and deletes it.
func redisProbe(rdb redis.Cmdable, timeout time.Duration) probe {
	return probe{name: "redis", timeout: timeout, run: func(ctx context.Context) (string, error) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		key, want := "resync:health:probe:"+hex.EncodeToString(b[:4]), hex.EncodeToString(b[4:])
		if err := rdb.Set(ctx, key, want, 30*time.Second).Err(); err != nil {
			return "", fmt.Errorf("health: redis set: %w", err)
		}
		got, err := rdb.Get(ctx, key).Result()
		if err != nil {
			return "", fmt.Errorf("health: redis get: %w", err)
		}
		if got != want {
			return "", errMismatch
		}
		if err := rdb.Del(ctx, key).Err(); err != nil {
			return "", fmt.Errorf("health: redis del: %w", err)
		}
		return "set, get and delete round trip", nil
	}}
}

// reader runs a read query on the graph (*graph.Store).
type reader interface {
	Read(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error)
}

// neo4jProbe runs a trivial read on the graph.
func neo4jProbe(g reader, timeout time.Duration) probe {
	return probe{name: "neo4j", timeout: timeout, run: func(ctx context.Context) (string, error) {
		recs, err := g.Read(ctx, "RETURN 1 AS ok", nil)
		if err != nil {
			return "", fmt.Errorf("health: neo4j read: %w", err)
		}
		if len(recs) != 1 {
			return "", fmt.Errorf("health: neo4j read: %d records: %w", len(recs), errMismatch)
		}
		return "read query answered", nil
	}}
}

// converser is what the Bedrock check needs (*bedrockruntime.Client).
type converser interface {
	Converse(ctx context.Context, in *bedrockruntime.ConverseInput, opts ...func(*bedrockruntime.Options)) (*bedrockruntime.ConverseOutput, error)
}

// bedrockProbe sends the configured model a one-token Converse request,
// which proves access to the model at a negligible cost.
func bedrockProbe(c converser, model string, timeout time.Duration) probe {
	return probe{name: "bedrock", timeout: timeout, run: func(ctx context.Context) (string, error) {
		_, err := c.Converse(ctx, &bedrockruntime.ConverseInput{
			ModelId: aws.String(model),
			Messages: []types.Message{{
				Role:    types.ConversationRoleUser,
				Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "ping"}},
			}},
			InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(1)},
		})
		if err != nil {
			return "", fmt.Errorf("health: bedrock converse: %w", err)
		}
		return "model " + model + " answered", nil
	}}
}

// skipped returns a probe that reports name as not configured.
func skipped(name, reason string) probe { return probe{name: name, reason: reason} }
