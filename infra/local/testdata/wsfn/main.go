// Command wsfn is a WebSocket function for the local stack's tests, shaped
// like the chat function: it takes events.APIGatewayWebsocketProxyRequest,
// verifies the token of $connect (401 when it does not verify) and records
// the connection with shared/adapter/push, and answers each message by posting
// frames back through WS_ENDPOINT with the real apigatewaymanagementapi
// client (shared/adapter/push). Every event is also pushed, as a summary, onto the
// Redis list "wsfn:events" so tests can see $disconnect.
//
// Message actions: "fail" returns an error; "get" posts the connection's
// GetConnection; "delete" deletes its own connection; "big" posts a frame of
// n bytes and then the outcome; "sleep" waits ms before echoing; anything
// else is echoed as {"type":"echo", ...}. The synchronous answer is a body
// that must never reach the client.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/push"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/config"
)

func main() {
	h, err := newHandler(context.Background(), os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lambda.Start(h.handle)
}

type handler struct {
	api      *apigatewaymanagementapi.Client
	poster   *push.Poster
	reg      *push.Registry
	rdb      *redis.Client
	verifier *auth.Verifier
}

func newHandler(ctx context.Context, getenv func(string) string) (*handler, error) {
	endpoint := getenv(config.EnvWSEndpoint)
	if endpoint == "" {
		return nil, errors.New("wsfn: " + config.EnvWSEndpoint + " is not set")
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("wsfn: aws config: %w", err)
	}
	opt, err := redis.ParseURL(getenv(config.EnvRedisURL))
	if err != nil {
		return nil, fmt.Errorf("wsfn: redis: %w", err)
	}
	rdb := redis.NewClient(opt)
	v, err := auth.NewHS256([]byte(getenv(config.EnvAuthHS256)), auth.Config{Issuer: getenv(config.EnvAuthIssuer), ClientID: getenv(config.EnvAuthClientID)})
	if err != nil {
		return nil, fmt.Errorf("wsfn: verifier: %w", err)
	}
	api := push.NewClient(cfg, endpoint)
	reg := push.NewRegistry(rdb, nil)
	return &handler{api: api, poster: push.NewPoster(api, reg), reg: reg, rdb: rdb, verifier: v}, nil
}

// summary is what the function records and echoes of an event.
type summary struct {
	Type                 string `json:"type"`
	RouteKey             string `json:"routeKey"`
	EventType            string `json:"eventType"`
	ConnectionID         string `json:"connectionId"`
	RequestID            string `json:"requestId"`
	Stage                string `json:"stage"`
	DomainName           string `json:"domainName"`
	SourceIP             string `json:"sourceIp"`
	ConnectedAt          int64  `json:"connectedAt"`
	RequestTimeEpoch     int64  `json:"requestTimeEpoch"`
	Body                 string `json:"body"`
	HasToken             bool   `json:"hasToken"`
	User                 string `json:"user,omitempty"`
	DisconnectStatusCode int64  `json:"disconnectStatusCode,omitempty"`
	DisconnectReason     string `json:"disconnectReason,omitempty"`
}

func (h *handler) handle(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	rc := ev.RequestContext
	sum := summary{
		Type: "echo", RouteKey: rc.RouteKey, EventType: rc.EventType, ConnectionID: rc.ConnectionID,
		RequestID: rc.RequestID, Stage: rc.Stage, DomainName: rc.DomainName, SourceIP: rc.Identity.SourceIP,
		ConnectedAt: rc.ConnectedAt, RequestTimeEpoch: rc.RequestTimeEpoch, Body: ev.Body,
		HasToken: ev.QueryStringParameters["token"] != "", DisconnectStatusCode: rc.DisconnectStatusCode,
	}
	if rc.DisconnectReason != nil {
		sum.DisconnectReason = *rc.DisconnectReason
	}
	ok := events.APIGatewayProxyResponse{StatusCode: 200, Body: "sync answer: never sent to the client"}
	switch rc.EventType {
	case "CONNECT":
		claims, err := h.verifier.Verify(ctx, ev.QueryStringParameters["token"])
		if err != nil {
			h.record(ctx, sum)
			return events.APIGatewayProxyResponse{StatusCode: auth.HTTPStatus(err), Body: `{"message":"Unauthorized"}`}, nil
		}
		sum.User = claims.User()
		h.record(ctx, sum)
		err = h.reg.Add(ctx, push.Connection{ID: rc.ConnectionID, User: claims.User(), Subject: claims.Subject, Roles: []string{string(claims.Role)}, Expires: claims.ExpiresAt})
		return ok, err
	case "DISCONNECT":
		h.record(ctx, sum)
		return ok, h.reg.Remove(ctx, rc.ConnectionID)
	}
	h.record(ctx, sum)
	var msg struct {
		Action string `json:"action"`
		N      int    `json:"n"`
		MS     int    `json:"ms"`
	}
	_ = json.Unmarshal([]byte(ev.Body), &msg)
	id := rc.ConnectionID
	switch msg.Action {
	case "fail":
		return ok, errors.New("wsfn: failed on purpose")
	case "get":
		out, err := h.api.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
		if err != nil {
			return ok, fmt.Errorf("wsfn: get connection: %w", err)
		}
		return ok, h.poster.Post(ctx, id, map[string]any{
			"type": "connection", "connectedAt": out.ConnectedAt, "lastActiveAt": out.LastActiveAt,
			"sourceIp": aws.ToString(out.Identity.SourceIp),
		})
	case "delete":
		_, err := h.api.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)})
		return ok, err
	case "big":
		err := h.poster.Post(ctx, id, strings.Repeat("x", msg.N))
		outcome := "ok"
		if err != nil {
			outcome = err.Error()
		}
		return ok, h.poster.Post(ctx, id, map[string]string{"type": "big", "outcome": outcome})
	case "sleep":
		time.Sleep(time.Duration(msg.MS) * time.Millisecond)
	}
	return ok, h.poster.Post(ctx, id, sum)
}

func (h *handler) record(ctx context.Context, s summary) {
	b, _ := json.Marshal(s)
	if err := h.rdb.RPush(ctx, "wsfn:events", b).Err(); err != nil {
		fmt.Fprintln(os.Stderr, "wsfn: record:", err)
	}
}
