package bedrock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/resync/resync/shared/domain/llm"
)

func TestRetryDelay(t *testing.T) {
	r := Retry{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := r.delay(i + 1); got != w*time.Millisecond {
			t.Errorf("delay(%d) = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
}

func TestEqualJitter(t *testing.T) {
	for range 1000 {
		if got := equalJitter(time.Second); got < 500*time.Millisecond || got > time.Second {
			t.Fatalf("equalJitter(1s) = %v, want within [0.5s, 1s]", got)
		}
	}
}

func TestClassify(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name          string
		ctx           context.Context
		err           error
		wantSentinel  error
		wantTransient bool
	}{
		{"throttling", context.Background(), &types.ThrottlingException{}, llm.ErrThrottled, true},
		{"service unavailable", context.Background(), &types.ServiceUnavailableException{}, llm.ErrUnavailable, true},
		{"model not ready", context.Background(), &types.ModelNotReadyException{}, llm.ErrUnavailable, true},
		{"internal", context.Background(), &types.InternalServerException{}, llm.ErrUnavailable, true},
		{"validation", context.Background(), &types.ValidationException{}, llm.ErrInvalid, false},
		{"not found", context.Background(), &types.ResourceNotFoundException{}, llm.ErrInvalid, false},
		{"quota", context.Background(), &types.ServiceQuotaExceededException{}, llm.ErrThrottled, false},
		{"access denied", context.Background(), &types.AccessDeniedException{}, llm.ErrUnavailable, false},
		{"model error", context.Background(), &types.ModelErrorException{}, llm.ErrUnavailable, false},
		{"generic code", context.Background(), &smithy.GenericAPIError{Code: "ThrottlingException"}, llm.ErrThrottled, true},
		{"wrapped", context.Background(), fmt.Errorf("op: %w", &smithy.OperationError{Err: &types.ThrottlingException{}}), llm.ErrThrottled, true},
		{"connection", context.Background(), &smithyhttp.RequestSendError{Err: errors.New("connection refused")}, llm.ErrUnavailable, true},
		{"stream cut", context.Background(), fmt.Errorf("decode event: %w", io.ErrUnexpectedEOF), llm.ErrUnavailable, true},
		{"truncated", context.Background(), errTruncated, llm.ErrUnavailable, true},
		{"cancelled", canceled, &smithyhttp.RequestSendError{Err: context.Canceled}, nil, false},
		{"emit", context.Background(), emitError{errors.New("gone")}, nil, false},
		{"already classified", context.Background(), fmt.Errorf("%w: bad tool input", llm.ErrUnavailable), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.ctx, tt.err)
			if got.sentinel != tt.wantSentinel || got.transient != tt.wantTransient {
				t.Errorf("classify = {%v %v}, want {%v %v}", got.sentinel, got.transient, tt.wantSentinel, tt.wantTransient)
			}
		})
	}
}

func TestRetryStopsWhenSleepFails(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	r := Retry{Attempts: 5, Sleep: func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}}.withDefaults()
	err := r.do(ctx, func(context.Context) (bool, error) {
		calls++
		return true, &types.ThrottlingException{}
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, llm.ErrThrottled) || calls != 1 {
		t.Errorf("err = %v after %d calls, want cancelled (and throttled) after 1", err, calls)
	}
}

func TestAssembler(t *testing.T) {
	var a assembler
	a.text(0, "Checking ")
	a.startTool(1, "t1", "plan_summary")
	a.startTool(2, "t2", "search_jobs")
	a.toolInput(2, `{"status":`)
	a.text(0, "now.")
	a.stop(0)
	tu, err := a.stop(1)
	if err != nil || tu == nil || string(tu.Input) != "{}" {
		t.Fatalf("stop(1) = %+v, %v; want plan_summary with input {}", tu, err)
	}
	// Block 2 never stops (the answer was cut short): it is left out.
	msg := a.message()
	if len(msg.Content) != 2 || msg.Text() != "Checking now." || msg.ToolUses()[0].ID != "t1" {
		t.Errorf("message = %+v", msg)
	}
	if _, err := a.stop(2); !errors.Is(err, llm.ErrUnavailable) {
		t.Errorf("stop with broken input: err = %v, want ErrUnavailable", err)
	}
}

func TestDocValueKeepsNumbers(t *testing.T) {
	v, err := docValue([]byte(`{"id":12345678901234567890,"ratio":0.1,"list":[1,{"n":2}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if fmt.Sprint(m["id"]) != "12345678901234567890" {
		t.Errorf("id = %v", m["id"])
	}
	if _, err := docValue([]byte(`{} {}`)); err == nil {
		t.Error("trailing data: got no error")
	}
}

func TestRetryReportsCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := Retry{}.withDefaults()
	err := r.do(ctx, func(context.Context) (bool, error) {
		return true, errors.New("read tcp: use of closed network connection")
	})
	if !errors.Is(err, context.Canceled) || errors.Is(err, llm.ErrUnavailable) {
		t.Errorf("err = %v, want context.Canceled and not ErrUnavailable", err)
	}
}
