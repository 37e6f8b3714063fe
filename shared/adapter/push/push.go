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
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/redis/go-redis/v9"
)

// ErrGone is returned by Post when the connection is closed (410 Gone).
var ErrGone = errors.New("push: connection gone")

// ErrOtherUser is returned by Renew for a token of another user than the
// connection's.
var ErrOtherUser = errors.New("push: connection belongs to another user")

// Connection is one open WebSocket connection, bound to the token it was
// opened (or last renewed) with: its user, roles and expiry.
type Connection struct {
	ID        string    `json:"id"`
	User      string    `json:"user"`
	Subject   string    `json:"sub,omitempty"` // the token's sub
	Roles     []string  `json:"roles"`
	Connected time.Time `json:"connected"`
	// Expires is the token's exp: from then on the connection may only
	// re-authenticate (Expired), and pushes stop reaching it.
	Expires time.Time `json:"expires"`
}

// Expired reports whether the connection's token has expired at now.
func (c Connection) Expired(now time.Time) bool { return !now.Before(c.Expires) }

// Lifetime is the longest a connection is open: API Gateway closes
// WebSocket connections after two hours.
const Lifetime = 2 * time.Hour

// Grace is how long a record outlives its token, so that a frame sent just
// after the expiry is told "token expired" rather than "not signed in", and
// an auth frame can still renew the connection without losing it.
const Grace = 5 * time.Minute

// Registry records open connections in Redis. Safe for concurrent use.
type Registry struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

// NewRegistry returns a Registry over rdb. now defaults to time.Now.
func NewRegistry(rdb redis.UniversalClient, now func() time.Time) *Registry {
	if now == nil {
		now = time.Now
	}
	return &Registry{rdb: rdb, prefix: "ws:", now: now}
}

// Keys escape the user name (url.QueryEscape is reversible), so that no two
// users share a key.
func (r *Registry) connKey(id string) string   { return r.prefix + "conn:" + id }
func (r *Registry) userKey(user string) string { return r.prefix + "user:" + url.QueryEscape(user) }
func (r *Registry) allKey() string             { return r.prefix + "all" }

// ttl is how long the record of c is kept: until its token expires (never
// past the gateway's Lifetime), plus Grace.
func ttl(c Connection, now time.Time) time.Duration {
	end := c.Expires
	if limit := c.Connected.Add(Lifetime); limit.Before(end) {
		end = limit
	}
	return end.Sub(now) + Grace
}

// Add records c until its token's expiry c.Expires (set from the token's
// exp; c.Connected is set to now). It returns an error when c has no user
// or its expiry is not in the future, and the Redis error, wrapped.
func (r *Registry) Add(ctx context.Context, c Connection) error {
	now := r.now()
	c.Connected = now.UTC()
	c.Expires = c.Expires.UTC()
	if c.User == "" || !now.Before(c.Expires) {
		return fmt.Errorf("push: record connection %s: want a user and an expiry in the future, got %q, %v", c.ID, c.User, c.Expires)
	}
	return r.write(ctx, r.rdb, c, now)
}

func (r *Registry) write(ctx context.Context, rdb redis.Cmdable, c Connection, now time.Time) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("push: encode connection: %w", err)
	}
	d := ttl(c, now)
	_, err = rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Set(ctx, r.connKey(c.ID), b, d)
		pipe.ZAdd(ctx, r.userKey(c.User), redis.Z{Score: float64(c.Expires.Unix()), Member: c.ID})
		pipe.Expire(ctx, r.userKey(c.User), Lifetime+Grace) // the longest any member lives
		pipe.ZAdd(ctx, r.allKey(), redis.Z{Score: float64(c.Expires.Unix()), Member: c.ID})
		return nil
	})
	if err != nil {
		return fmt.Errorf("push: record connection %s: %w", c.ID, err)
	}
	return nil
}

// Renew binds the open connection id to a fresh token of the same user:
// its roles, subject and expiry become the token's. It returns the renewed
// connection, or an error wrapping ErrGone (not recorded) or ErrOtherUser
// (user differs, or subject differs from a recorded one), and the Redis
// error, wrapped. The check and the write are one transaction, so a
// connection never changes hands and a removed one is not brought back.
func (r *Registry) Renew(ctx context.Context, id, user, subject string, roles []string, expires time.Time) (Connection, error) {
	now := r.now()
	if !now.Before(expires) {
		return Connection{}, fmt.Errorf("push: renew connection %s: expiry %v is not in the future", id, expires)
	}
	var out Connection
	for range 10 {
		err := r.rdb.Watch(ctx, func(tx *redis.Tx) error {
			c, err := r.get(ctx, tx, id)
			if err != nil {
				return err
			}
			if c.User != user || (c.Subject != "" && c.Subject != subject) {
				return fmt.Errorf("push: renew connection %s: %w", id, ErrOtherUser)
			}
			c.Subject, c.Roles, c.Expires = subject, roles, expires.UTC()
			out = c
			return r.write(ctx, tx, c, now)
		}, r.connKey(id))
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		return out, err
	}
	return Connection{}, fmt.Errorf("push: renew connection %s: changing too often", id)
}

// Get returns the connection with id, or an error wrapping ErrGone when it
// is not recorded (closed or expired).
func (r *Registry) Get(ctx context.Context, id string) (Connection, error) {
	return r.get(ctx, r.rdb, id)
}

func (r *Registry) get(ctx context.Context, rdb redis.Cmdable, id string) (Connection, error) {
	b, err := rdb.Get(ctx, r.connKey(id)).Bytes()
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
