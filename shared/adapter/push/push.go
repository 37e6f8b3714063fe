// Package push delivers server frames to browsers connected to the
// WebSocket API: a registry of open connections in Redis (who, which roles,
// until when) and a Poster that sends one JSON frame to a connection through
// API Gateway's @connections management API (the real aws-sdk-go-v2
// apigatewaymanagementapi client), treating GoneException as "closed".
//
// The chat function records connections on $connect and posts its answers;
// health (plan monitor) and ingest (progress) push events to a user's
// connections through the same registry.
package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/redis/go-redis/v9"
)

// ErrGone is returned by Post when the connection is closed (410 Gone).
var ErrGone = errors.New("push: connection gone")

// Connection is one open WebSocket connection.
type Connection struct {
	ID        string    `json:"id"`
	User      string    `json:"user"`
	Roles     []string  `json:"roles"`
	Connected time.Time `json:"connected"`
	Expires   time.Time `json:"expires"`
}

// Lifetime is how long a connection is recorded: API Gateway closes
// WebSocket connections after two hours.
const Lifetime = 2 * time.Hour

// Registry records open connections in Redis. Safe for concurrent use.
type Registry struct {
	rdb    redis.Cmdable
	prefix string
	now    func() time.Time
}

// NewRegistry returns a Registry over rdb. now defaults to time.Now.
func NewRegistry(rdb redis.Cmdable, now func() time.Time) *Registry {
	if now == nil {
		now = time.Now
	}
	return &Registry{rdb: rdb, prefix: "ws:", now: now}
}

func (r *Registry) connKey(id string) string   { return r.prefix + "conn:" + id }
func (r *Registry) userKey(user string) string { return r.prefix + "user:" + user }
func (r *Registry) allKey() string             { return r.prefix + "all" }

// Add records c, expiring after Lifetime.
func (r *Registry) Add(ctx context.Context, c Connection) error {
	now := r.now()
	c.Connected = now.UTC()
	c.Expires = now.Add(Lifetime).UTC()
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("push: encode connection: %w", err)
	}
	pipe := r.rdb.TxPipeline()
	pipe.Set(ctx, r.connKey(c.ID), b, Lifetime)
	pipe.ZAdd(ctx, r.userKey(c.User), redis.Z{Score: float64(c.Expires.Unix()), Member: c.ID})
	pipe.Expire(ctx, r.userKey(c.User), Lifetime)
	pipe.ZAdd(ctx, r.allKey(), redis.Z{Score: float64(c.Expires.Unix()), Member: c.ID})
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("push: record connection %s: %w", c.ID, err)
	}
	return nil
}

// Get returns the connection with id, or an error wrapping ErrGone when it
// is not recorded (closed or expired).
func (r *Registry) Get(ctx context.Context, id string) (Connection, error) {
	b, err := r.rdb.Get(ctx, r.connKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Connection{}, fmt.Errorf("push: connection %s: %w", id, ErrGone)
	}
	if err != nil {
		return Connection{}, fmt.Errorf("push: get connection %s: %w", id, err)
	}
	var c Connection
	if err := json.Unmarshal(b, &c); err != nil {
		return Connection{}, fmt.Errorf("push: decode connection %s: %w", id, err)
	}
	return c, nil
}

// Remove forgets the connection (on $disconnect or after ErrGone).
func (r *Registry) Remove(ctx context.Context, id string) error {
	c, err := r.Get(ctx, id)
	if errors.Is(err, ErrGone) {
		return r.rdb.ZRem(ctx, r.allKey(), id).Err()
	}
	if err != nil {
		return err
	}
	pipe := r.rdb.TxPipeline()
	pipe.Del(ctx, r.connKey(id))
	pipe.ZRem(ctx, r.userKey(c.User), id)
	pipe.ZRem(ctx, r.allKey(), id)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("push: remove connection %s: %w", id, err)
	}
	return nil
}

// ForUser returns the ids of user's open connections.
func (r *Registry) ForUser(ctx context.Context, user string) ([]string, error) {
	return r.live(ctx, r.userKey(user))
}

// All returns the ids of every open connection.
func (r *Registry) All(ctx context.Context) ([]string, error) {
	return r.live(ctx, r.allKey())
}

func (r *Registry) live(ctx context.Context, key string) ([]string, error) {
	now := float64(r.now().Unix())
	pipe := r.rdb.TxPipeline()
	pipe.ZRemRangeByScore(ctx, key, "-inf", fmt.Sprintf("(%f", now))
	ids := pipe.ZRangeByScore(ctx, key, &redis.ZRangeBy{Min: fmt.Sprintf("%f", now), Max: "+inf"})
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("push: list connections: %w", err)
	}
	return ids.Val(), nil
}

// Sender posts bytes to a connection (*apigatewaymanagementapi.Client).
type Sender interface {
	PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
}

// Poster sends frames to connections.
type Poster struct {
	api Sender
	reg *Registry
}

// NewPoster returns a Poster using api, forgetting connections in reg (may
// be nil) when they turn out to be gone.
func NewPoster(api Sender, reg *Registry) *Poster { return &Poster{api: api, reg: reg} }

// NewClient returns the management API client for endpoint — in AWS
// https://{api-id}.execute-api.{region}.amazonaws.com/{stage}, locally the
// stand-in's URL.
func NewClient(cfg aws.Config, endpoint string) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
}

// Post sends frame (encoded as JSON) to connection id. It returns an error
// wrapping ErrGone when the connection is closed, after forgetting it.
func (p *Poster) Post(ctx context.Context, id string, frame any) error {
	b, err := json.Marshal(frame)
	if err != nil {
		return fmt.Errorf("push: encode frame: %w", err)
	}
	_, err = p.api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: b})
	var gone *types.GoneException
	if errors.As(err, &gone) {
		if p.reg != nil {
			_ = p.reg.Remove(ctx, id) // best effort: it expires anyway
		}
		return fmt.Errorf("push: post to %s: %w", id, ErrGone)
	}
	if err != nil {
		return fmt.Errorf("push: post to %s: %w", id, err)
	}
	return nil
}

// ToUser posts frame to every open connection of user and returns how many
// received it. Gone connections are forgotten; other errors are joined.
func (p *Poster) ToUser(ctx context.Context, user string, frame any) (int, error) {
	ids, err := p.reg.ForUser(ctx, user)
	if err != nil {
		return 0, err
	}
	return p.toAll(ctx, ids, frame)
}

// Broadcast posts frame to every open connection.
func (p *Poster) Broadcast(ctx context.Context, frame any) (int, error) {
	ids, err := p.reg.All(ctx)
	if err != nil {
		return 0, err
	}
	return p.toAll(ctx, ids, frame)
}

func (p *Poster) toAll(ctx context.Context, ids []string, frame any) (int, error) {
	var errs []error
	n := 0
	for _, id := range ids {
		err := p.Post(ctx, id, frame)
		switch {
		case err == nil:
			n++
		case errors.Is(err, ErrGone):
		default:
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}
