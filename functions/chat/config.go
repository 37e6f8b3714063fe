package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/resync/resync/shared/agent"
	"github.com/resync/resync/shared/audit"
	"github.com/resync/resync/shared/cache"
	"github.com/resync/resync/shared/config"
	"github.com/resync/resync/shared/idempotency"
	"github.com/resync/resync/shared/idempotency/redisstore"
	"github.com/resync/resync/shared/llm"
	"github.com/resync/resync/shared/llm/bedrock"
	"github.com/resync/resync/shared/llm/offline"
	"github.com/resync/resync/shared/planview"
	"github.com/resync/resync/shared/push"
	"github.com/resync/resync/shared/ratelimit"
	"github.com/resync/resync/shared/security"
	"github.com/resync/resync/shared/setup"
)

const function = "chat"

//go:embed agents.json
var agentsFile []byte

// need is what chat requires of the environment.
func need() config.Need { return config.Need{HWA: true, Redis: true, Auth: true} }

// app is everything run builds once.
type app struct {
	handler *handler
	base    *setup.Base
}

func (a *app) close() { a.base.Close() }

// build reads the configuration and wires the clients, the agents and the
// handler. Without BEDROCK_MODEL_ID the offline model answers.
func build(ctx context.Context, getenv func(string) string, stdout io.Writer) (_ *app, err error) {
	base, err := setup.New(ctx, function, getenv, stdout, need())
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			base.Close()
		}
	}()
	endpoint := getenv(config.EnvWSEndpoint)
	if endpoint == "" {
		return nil, fmt.Errorf("chat: %s is not set: chat posts every answer through the @connections API", config.EnvWSEndpoint)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("chat: load AWS config: %w", err)
	}
	model, err := newModel(ctx, getenv, base)
	if err != nil {
		return nil, err
	}
	hc, err := base.Config.HWAClient()
	if err != nil {
		return nil, err
	}
	c, err := cache.New(base.Redis, base.Config.CacheConfig())
	if err != nil {
		return nil, fmt.Errorf("chat: cache: %w", err)
	}
	plan := planview.New(planview.HWA{Client: hc}, c, nil)
	agents, err := agent.LoadAgents(agentsFile)
	if err != nil {
		return nil, fmt.Errorf("chat: agents.json: %w", err)
	}
	limits, err := ratelimit.New(base.Redis, ratelimit.Config{})
	if err != nil {
		return nil, fmt.Errorf("chat: rate limits: %w", err)
	}
	store := redisstore.New(base.Redis, "idem:")
	actions, err := agent.NewActions(agent.ActionsConfig{
		Redis: base.Redis, HWA: hc, Plan: plan,
		Guard:   idempotency.New(store, idempotency.Config{Expiry: 24 * time.Hour}),
		Audit:   audit.New(base.Redis, audit.Config{}),
		Limiter: limits,
	})
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	runner, err := agent.NewRunner(agent.RunnerConfig{
		Agents:  agents,
		Models:  agent.OneModel(model),
		Tools:   agent.NewTools(plan, hc, actions),
		History: agent.NewHistory(base.Redis, agent.HistoryConfig{}),
		Timeout: 90 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	reg := push.NewRegistry(base.Redis, nil)
	h := newHandler(deps{
		verify:   base.Verifier,
		conns:    reg,
		post:     push.NewPoster(push.NewClient(awsCfg, endpoint), reg),
		runner:   runner,
		actions:  actions,
		guard:    idempotency.New(store, idempotency.Config{Expiry: time.Hour}),
		limits:   limits,
		feedback: redisFeedback{rdb: base.Redis, key: "chat:feedback", keep: 10000},
		security: security.New(base.Redis, 0),
		log:      base.Log,
		metrics:  base.Metrics,
	})
	return &app{handler: h, base: base}, nil
}

// newModel returns Bedrock when a model id is configured, else the offline
// model.
func newModel(ctx context.Context, getenv func(string) string, base *setup.Base) (llm.Model, error) {
	modelID := getenv(config.EnvBedrockModel)
	if modelID == "" {
		base.Log.InfoContext(ctx, "no "+config.EnvBedrockModel+": answering with the offline model")
		return offline.New(), nil
	}
	region := getenv(config.EnvBedrockRegion)
	if region == "" {
		region = getenv("AWS_REGION")
	}
	if region == "" {
		return nil, errors.New("chat: " + config.EnvBedrockModel + " is set but neither " + config.EnvBedrockRegion + " nor AWS_REGION is")
	}
	client, err := bedrock.NewClient(ctx, region, getenv(config.EnvBedrockEndpoint))
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	m, err := bedrock.New(client, bedrock.Config{ModelID: modelID, OnUsage: func(u llm.Usage, id string) {
		base.Log.InfoContext(ctx, "model usage", "model", id, "inputTokens", u.InputTokens, "outputTokens", u.OutputTokens)
	}})
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	return m, nil
}
