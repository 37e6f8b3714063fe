package bedrock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/resync/resync/shared/domain/llm"
)

// TitanEmbedV2 is the model id of Amazon Titan Text Embeddings v2.
const TitanEmbedV2 = "amazon.titan-embed-text-v2:0"

// EmbedderConfig configures an Embedder. Zero fields take the defaults.
type EmbedderConfig struct {
	// ModelID defaults to TitanEmbedV2.
	ModelID string
	// Dimensions is the vector length: 256, 512 or 1024 (the default).
	Dimensions int
	// Unnormalized asks for raw vectors; by default they are normalised to
	// unit length, which makes cosine similarity a dot product.
	Unnormalized bool
	// Concurrency bounds the InvokeModel calls in flight for one Embed
	// (Titan v2 takes one text per call); default 4.
	Concurrency int
	// Retry bounds the attempts of each call.
	Retry Retry
	// OnUsage, when set, is called once per Embed with the input tokens
	// Titan counted. It must be safe for concurrent use.
	OnUsage func(u llm.Usage, modelID string)
}

// Embedder turns text into vectors with Titan Text Embeddings v2 through
// InvokeModel. It is safe for concurrent use.
type Embedder struct {
	client *bedrockruntime.Client
	cfg    EmbedderConfig
	retry  Retry
}

// NewEmbedder returns an Embedder calling client. It returns an error for a
// missing client or a dimension Titan v2 does not offer.
func NewEmbedder(client *bedrockruntime.Client, cfg EmbedderConfig) (*Embedder, error) {
	if client == nil {
		return nil, errors.New("bedrock: new embedder: nil client")
	}
	if cfg.ModelID == "" {
		cfg.ModelID = TitanEmbedV2
	}
	switch cfg.Dimensions {
	case 0:
		cfg.Dimensions = 1024
	case 256, 512, 1024:
	default:
		return nil, fmt.Errorf("bedrock: new embedder: dimensions %d: want 256, 512 or 1024", cfg.Dimensions)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	return &Embedder{client: client, cfg: cfg, retry: cfg.Retry.withDefaults()}, nil
}

// Dimensions returns the length of the vectors Embed returns.
func (e *Embedder) Dimensions() int { return e.cfg.Dimensions }

// ModelID returns the embedding model's id.
func (e *Embedder) ModelID() string { return e.cfg.ModelID }

type titanRequest struct {
	InputText  string `json:"inputText"`
	Dimensions int    `json:"dimensions"`
	Normalize  bool   `json:"normalize"`
}

type titanResponse struct {
	Embedding           []float32 `json:"embedding"`
	InputTextTokenCount int       `json:"inputTextTokenCount"`
}

// Embed returns one vector per text, in order, each of length
// Dimensions(). Texts are embedded concurrently, at most Concurrency at a
// time; each call is retried on throttling and transient failures. The
// first failure cancels the rest. Errors, wrapped: llm.ErrInvalid for a
// blank text or a request Bedrock refused, llm.ErrThrottled when throttling
// outlasted the retries, llm.ErrUnavailable otherwise, or ctx's error.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			return nil, fmt.Errorf("bedrock: embed: text %d: %w: blank text", i, llm.ErrInvalid)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		once     sync.Once
		firstErr error
	)

	out := make([][]float32, len(texts))
	tokens := make([]int, len(texts))
	sem := make(chan struct{}, e.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, text := range texts {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			v, n, err := e.one(ctx, text)
			if err != nil {
				once.Do(func() {
					firstErr = fmt.Errorf("bedrock: embed: text %d: %w", i, err)
					cancel()
				})
				return
			}
			out[i], tokens[i] = v, n
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bedrock: embed: %w", err)
	}
	if e.cfg.OnUsage != nil {
		var sum int
		for _, n := range tokens {
			sum += n
		}
		e.cfg.OnUsage(llm.Usage{InputTokens: sum}, e.cfg.ModelID)
	}
	return out, nil
}

// one embeds a single text, with retries.
func (e *Embedder) one(ctx context.Context, text string) ([]float32, int, error) {
	body, err := json.Marshal(titanRequest{InputText: text, Dimensions: e.cfg.Dimensions, Normalize: !e.cfg.Unnormalized})
	if err != nil {
		return nil, 0, fmt.Errorf("%w: encode request: %w", llm.ErrInvalid, err)
	}
	var resp titanResponse
	err = e.retry.do(ctx, func(ctx context.Context) (bool, error) {
		out, err := e.client.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
			ModelId:     aws.String(e.cfg.ModelID),
			ContentType: aws.String("application/json"),
			Accept:      aws.String("application/json"),
			Body:        body,
		}, callOptions)
		if err != nil {
			return true, err
		}
		resp = titanResponse{}
		if err := json.Unmarshal(out.Body, &resp); err != nil {
			return false, fmt.Errorf("%w: decode response: %w", llm.ErrUnavailable, err)
		}
		if len(resp.Embedding) != e.cfg.Dimensions {
			return false, fmt.Errorf("%w: got a vector of %d dimensions, want %d", llm.ErrUnavailable, len(resp.Embedding), e.cfg.Dimensions)
		}
		return false, nil
	})
	if err != nil {
		return nil, 0, err
	}
	return resp.Embedding, resp.InputTextTokenCount, nil
}
