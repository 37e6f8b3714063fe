package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/resync/resync/shared/adapter/bedrock"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/push"
	"github.com/resync/resync/shared/app/docs"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/setup"
)

const function = "ingest"

// settings are ingest's own settings beyond config.Common.
type settings struct {
	neo4jURI, neo4jPassword, neo4jSecret       string // checked here; setup.Graph opens the store
	s3Endpoint                                 string
	bedrockRegion, bedrockEndpoint, embedModel string
	wsEndpoint                                 string
}

func loadSettings(getenv func(string) string) (settings, error) {
	s := settings{
		neo4jURI:      getenv(config.EnvNeo4jURI),
		neo4jPassword: getenv(config.EnvNeo4jPassword), neo4jSecret: getenv(config.EnvNeo4jSecretARN),
		s3Endpoint:    getenv(config.EnvS3Endpoint),
		bedrockRegion: getenv(config.EnvBedrockRegion), bedrockEndpoint: getenv(config.EnvBedrockEndpoint),
		embedModel: getenv(config.EnvEmbeddingModel),
		wsEndpoint: getenv(config.EnvWSEndpoint),
	}
	var problems []string
	if s.neo4jURI == "" {
		problems = append(problems, config.EnvNeo4jURI+" is not set: ingest writes documents and the plan topology to Neo4j")
	} else if s.neo4jSecret == "" && s.neo4jPassword == "" {
		problems = append(problems, fmt.Sprintf("%s is set but neither %s nor %s is", config.EnvNeo4jURI, config.EnvNeo4jPassword, config.EnvNeo4jSecretARN))
	}
	if (s.embedModel == "") != (s.bedrockRegion == "") && s.embedModel != "" {
		problems = append(problems, fmt.Sprintf("%s is set but %s is not", config.EnvEmbeddingModel, config.EnvBedrockRegion))
	}
	if len(problems) > 0 {
		return s, errors.New("ingest: " + strings.Join(problems, "; "))
	}
	return s, nil
}

// app is what build wires once per execution environment.
type app struct {
	handler       *handler
	setup.Closers // what build made that must be closed; Close closes it, last built first
}

// build reads the configuration (every problem at once) and wires the S3,
// Neo4j, HWA, embedding and push clients.
func build(ctx context.Context, getenv func(string) string, stdout io.Writer) (_ *app, err error) {
	s, serr := loadSettings(getenv)
	base, berr := setup.New(ctx, function, getenv, stdout, config.Need{HWA: true, Redis: true})
	if serr != nil || berr != nil {
		return nil, errors.Join(serr, berr)
	}
	a := &app{Closers: setup.Closers{base.Close}}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("ingest: load AWS config: %w", err)
	}
	store, err := base.Graph(ctx, getenv, true) // loadSettings made sure NEO4J_URI is set
	if err != nil {
		return nil, err
	}
	a.Closers = append(a.Closers, func() { _ = store.Close(context.Background()) })
	hc, err := base.Config.HWAClient()
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	objects := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if s.s3Endpoint != "" {
			o.BaseEndpoint = aws.String(s.s3Endpoint)
			o.UsePathStyle = true
		}
	})
	embedder, err := newEmbedder(awsCfg, s, base.Log)
	if err != nil {
		return nil, err
	}
	var notifier Notifier = logNotifier{log: base.Log}
	if s.wsEndpoint != "" {
		notifier = pushNotifier{poster: push.NewPoster(push.NewClient(awsCfg, s.wsEndpoint), push.NewRegistry(base.Redis, nil)), log: base.Log}
	} else {
		base.Log.Info("ingest progress is logged, not pushed: " + config.EnvWSEndpoint + " is not set")
	}
	a.handler = newHandler(handlerDeps{
		objects: objects, docs: store, topology: store, plan: hwaPlan{hc}, embed: embedder, notify: notifier, log: base.Log,
	})
	return a, nil
}

// newEmbedder returns Titan through Bedrock when a region and model are
// configured, else the offline lexical embedder.
func newEmbedder(awsCfg aws.Config, s settings, log *slog.Logger) (Embedder, error) {
	if s.embedModel == "" {
		log.Info("embedding offline: lexical feature hashing (" + config.EnvEmbeddingModel + " is not set)")
		return docs.Hashing{Dims: graph.DefaultEmbeddingDimensions}, nil
	}
	cfg := awsCfg.Copy()
	cfg.Region = s.bedrockRegion
	client := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		if s.bedrockEndpoint != "" {
			o.BaseEndpoint = aws.String(s.bedrockEndpoint)
		}
	})
	e, err := bedrock.NewEmbedder(client, bedrock.EmbedderConfig{ModelID: s.embedModel, Dimensions: graph.DefaultEmbeddingDimensions})
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	log.Info("embedding with Bedrock", "model", s.embedModel, "region", s.bedrockRegion)
	return e, nil
}
