package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/resync/resync/functions/internal/agentsfile"
	"github.com/resync/resync/functions/internal/embedder"
	"github.com/resync/resync/functions/internal/operate"
	"github.com/resync/resync/shared/adapter/bedrock"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/push"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/historystore"
	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/impact"
	"github.com/resync/resync/shared/app/memory"
	"github.com/resync/resync/shared/app/offline"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/app/retrieve"
	"github.com/resync/resync/shared/domain/idempotency"
	"github.com/resync/resync/shared/domain/llm"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/setup"
)

const function = "chat"

// agentsFile is the agents file shared with the MCP function.
var agentsFile = agentsfile.Bytes()

// need is what chat requires of the environment.
func need() config.Need { return config.Need{HWA: true, Redis: true, Auth: true} }

// app is everything run builds once.
type app struct {
	handler       *handler
	invoker       invoker
	setup.Closers // what build made that must be closed; Close closes it, last built first
}

// build reads the configuration and wires the clients, the agents and the
// handler. Without BEDROCK_MODEL_ID the offline model answers.
func build(ctx context.Context, getenv func(string) string, stdout io.Writer) (_ *app, err error) {
	base, err := setup.New(ctx, function, getenv, stdout, need())
	if err != nil {
		return nil, err
	}
	a := &app{Closers: setup.Closers{base.Close}}
	defer func() {
		if err != nil {
			a.Close()
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
	plan := planview.New(hwa.PlanSource{Client: hc}, c, nil)
	agents, err := agent.LoadAgents(agentsFile)
	if err != nil {
		return nil, fmt.Errorf("chat: agents.json: %w", err)
	}
	kn, err := buildKnowledge(ctx, getenv, base, plan, hc)
	if err != nil {
		return nil, err
	}
	a.Closers = append(a.Closers, kn.close)
	// A proposal's impact is the job_impact tool's: graph first.
	ops, err := operate.Build(ctx, "chat", getenv, base, hc, plan, kn.tools.Impact)
	if err != nil {
		return nil, err
	}
	actions, store, limits, digests := ops.Actions, ops.Store, ops.Limits, ops.Handover
	rc := agent.RunnerConfig{
		Agents:  agents,
		Models:  agent.OneModel(model),
		Tools:   agent.NewTools(plan, hwa.PlanSource{Client: hc}, actions).WithKnowledge(kn.tools).WithHandover(digests),
		History: agent.NewHistory(historystore.New(base.Redis, ""), agent.HistoryConfig{}),
		Timeout: 90 * time.Second,
	}
	var mem turnMemory
	if kn.memory != nil {
		mem = kn.memory
		rc.Context = func(ctx context.Context, t agent.Turn) (string, error) {
			block, err := kn.memory.Context(ctx, t)
			if err != nil { // the turn goes on without the corrections
				base.Log.WarnContext(ctx, "chat: reading approved corrections failed", "err", err.Error())
			}
			return block, err
		}
	}
	runner, err := agent.NewRunner(rc)
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
		memory:   mem,
		security: security.New(base.Redis, 0),
		log:      base.Log,
		metrics:  base.Metrics,
	})
	a.handler = h
	hh, err := newHTTP(agents, rc.Tools, base.Edge())
	if err != nil {
		return nil, err
	}
	a.invoker = invoker{ws: h, http: httpadapter.NewV2(hh)}
	return a, nil
}

// knowledge is the graph-backed part of chat: the tools' runbook search and
// impact service, and the conversation memory (nil when off).
type knowledge struct {
	tools  agent.Knowledge
	memory *memory.Store
	close  func()
}

// buildKnowledge opens the graph when NEO4J_URI is set: runbook search,
// graph-first impact and memory. Without it chat still answers: impact and
// why-waiting come from HWA, the runbook search says it is off, and memory
// is off. A graph that cannot be reached at start does not stop chat either:
// each feature answers with its fallback and note until Neo4j returns, and
// the schema is made then (Store.Ready, memory.Ready).
func buildKnowledge(ctx context.Context, getenv func(string) string, base *setup.Base, plan *planview.Service, hc *hwa.Client) (knowledge, error) {
	kn := knowledge{
		tools: agent.Knowledge{Impact: &impact.Service{Flow: hwa.PlanSource{Client: hc}, Jobs: hwa.PlanSource{Client: hc}}},
		close: func() {},
	}
	store, err := base.Graph(ctx, getenv, false)
	switch {
	case err != nil:
		return kn, err
	case store == nil:
		base.Log.InfoContext(ctx, "no "+config.EnvNeo4jURI+": runbook search and memory are off; impact comes from HWA")
		return kn, nil
	}
	// The schema is made now if Neo4j answers within startWait, else on
	// first use: a cold start never waits long for an optional dependency.
	startCtx, cancel := context.WithTimeout(ctx, startWait)
	defer cancel()
	graphDown := false
	if err := store.Ready(startCtx); err != nil {
		if !errors.Is(err, graph.ErrUnavailable) {
			_ = store.Close(context.Background())
			return kn, fmt.Errorf("chat: %w", err)
		}
		graphDown = true
		base.Log.WarnContext(ctx, "the knowledge graph cannot be reached at start: runbook search, graph impact and memory answer with their fallbacks until it returns", "err", err.Error())
	}
	kn.close = func() { _ = store.Close(context.Background()) }
	embed, err := embedder.New(ctx, getenv, base.Log)
	if err != nil {
		kn.close()
		return kn, err
	}
	mem, err := memory.New(memory.Config{Graph: store, Embed: embed, Auditor: &memory.Auditor{Plan: memory.PlanView{Plan: plan, Conditions: hwa.PlanSource{Client: hc}}}})
	if err == nil && !graphDown {
		if err = mem.Ready(startCtx); errors.Is(err, graph.ErrUnavailable) {
			err = nil // made on the first search once Neo4j returns
		}
	}
	if err != nil {
		kn.close()
		return kn, fmt.Errorf("chat: %w", err)
	}
	kn.tools.Runbooks = retrieve.New(store, embed)
	kn.tools.Impact = &impact.Service{Graph: store, Flow: hwa.PlanSource{Client: hc}, Jobs: hwa.PlanSource{Client: hc}}
	kn.memory = mem
	return kn, nil
}

// startWait bounds how long a cold start waits for Neo4j to make its schema.
const startWait = 3 * time.Second

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
