// Command fn is a Lambda function for the local stack's tests. It answers
// direct invokes ({"action": ...}), API Gateway v2 events (the action is the
// last path segment) and scheduled events, reporting what it received and
// the invoke's Lambda context, and can sleep, crash, fail or fail to start.
//
//	TESTFN_INIT=post  posts to /runtime/init/error and exits
//	TESTFN_INIT=exit  writes a config error to stderr and exits 1
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func main() {
	switch os.Getenv("TESTFN_INIT") {
	case "post":
		fmt.Fprintln(os.Stderr, "testfn: cannot reach the database")
		body := `{"errorType":"Runtime.ConfigError","errorMessage":"testfn: DATABASE_URL is not set"}`
		url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
		resp, err := http.Post(url, "application/json", bytes.NewBufferString(body))
		if err == nil {
			resp.Body.Close()
		}
		os.Exit(1)
	case "exit":
		fmt.Fprintln(os.Stderr, "testfn: config: missing REQUIRED_SETTING")
		os.Exit(1)
	}
	lambda.Start(handle)
}

type report struct {
	PID         int             `json:"pid"`
	RequestID   string          `json:"requestId"`
	FunctionARN string          `json:"functionArn"`
	DeadlineMS  int64           `json:"deadlineMs"`
	Env         string          `json:"env"`
	Event       json.RawMessage `json:"event"`
}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	dl, _ := ctx.Deadline()
	rep := report{PID: os.Getpid(), Event: raw, Env: os.Getenv("TESTFN_ENV"), DeadlineMS: dl.UnixMilli()}
	if lc != nil {
		rep.RequestID, rep.FunctionARN = lc.AwsRequestID, lc.InvokedFunctionArn
	}
	var probe struct {
		Action   string `json:"action"`
		MS       int    `json:"ms"`
		RouteKey string `json:"routeKey"`
		RawPath  string `json:"rawPath"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("testfn: decode event: %w", err)
	}
	action, ms := probe.Action, probe.MS
	if probe.RouteKey != "" {
		var ev events.APIGatewayV2HTTPRequest
		_ = json.Unmarshal(raw, &ev)
		action = path.Base(ev.RawPath)
		ms, _ = strconv.Atoi(ev.QueryStringParameters["ms"])
	}
	switch action {
	case "sleep":
		time.Sleep(time.Duration(ms) * time.Millisecond)
	case "crash":
		fmt.Fprintln(os.Stderr, "testfn: crashing on purpose")
		os.Exit(3)
	case "fail":
		return nil, errors.New("testfn: failed on purpose")
	}
	body, _ := json.Marshal(rep)
	if probe.RouteKey == "" {
		return rep, nil
	}
	resp := events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json", "X-Test": "yes"},
		Cookies:    []string{"a=1; Path=/", "b=2"},
		Body:       string(body),
	}
	if action == "binary" {
		resp.Headers["Content-Type"] = "application/octet-stream"
		resp.Body = base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 255})
		resp.IsBase64Encoded = true
	}
	if action == "teapot" {
		resp.StatusCode = http.StatusTeapot
	}
	return resp, nil
}
