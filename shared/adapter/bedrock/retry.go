package bedrock

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	nethttp "net/http"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/resync/resync/shared/domain/llm"
)

// Retry bounds the attempts of one call. Zero fields take the defaults:
// 4 attempts, a 250 ms base delay doubling to at most 8 s.
type Retry struct {
	// Attempts is the total number of tries, the first included.
	Attempts int
	// BaseDelay is the wait before the second try; each later wait doubles.
	BaseDelay time.Duration
	// MaxDelay caps a single wait.
	MaxDelay time.Duration
	// Sleep waits for d or until ctx ends, returning ctx's error then.
	// Tests inject one that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter spreads a wait; the default picks uniformly in [d/2, d].
	Jitter func(d time.Duration) time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 4
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = 250 * time.Millisecond
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = 8 * time.Second
	}
	if r.MaxDelay < r.BaseDelay {
		r.MaxDelay = r.BaseDelay
	}
	if r.Sleep == nil {
		r.Sleep = sleep
	}
	if r.Jitter == nil {
		r.Jitter = equalJitter
	}
	return r
}

// Delay returns the wait after the given failed attempt (1-based) before
// jitter.
func (r Retry) delay(attempt int) time.Duration {
	d := r.BaseDelay
	for i := 1; i < attempt && d < r.MaxDelay; i++ {
		d *= 2
	}
	return min(d, r.MaxDelay)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func equalJitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// do runs op until it succeeds, fails for good, or the attempts run out.
// op reports whether a failure may be retried as far as it is concerned
// (false once it has passed anything on); do adds whether the error itself
// is transient. The returned error wraps the llm sentinel that fits.
func (r Retry) do(ctx context.Context, op func(ctx context.Context) (retryable bool, err error)) error {
	for attempt := 1; ; attempt++ {
		retryable, err := op(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			// The failure came from the call being torn down (a closed
			// connection, say): report the cancellation, not the service.
			return fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		kind := classify(ctx, err)
		if !retryable || !kind.transient || attempt >= r.Attempts {
			return kind.wrap(err, attempt)
		}
		if err := r.Sleep(ctx, r.Jitter(r.delay(attempt))); err != nil {
			return fmt.Errorf("waiting to retry: %w (after %w)", err, kind.wrap(err, attempt))
		}
	}
}

// kind is what an error means to the caller.
type kind struct {
	sentinel  error // nil: return the error as it is
	transient bool  // worth another attempt
}

func (k kind) wrap(err error, attempts int) error {
	if k.sentinel == nil {
		return err
	}
	if attempts > 1 {
		return fmt.Errorf("%w after %d attempts: %w", k.sentinel, attempts, err)
	}
	return fmt.Errorf("%w: %w", k.sentinel, err)
}

// classify maps an error of the SDK, the event stream or the caller to a
// kind. The Bedrock error codes are those of the bedrockruntime types
// package (ThrottlingException and so on); in-stream exceptions arrive as
// the same types.
func classify(ctx context.Context, err error) kind {
	var ee emitError
	switch {
	case errors.As(err, &ee):
		return kind{}
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return kind{}
	case errors.Is(err, llm.ErrUnavailable), errors.Is(err, llm.ErrInvalid), errors.Is(err, llm.ErrThrottled):
		return kind{} // already classified (a malformed tool input)
	case errors.Is(err, errTruncated), errors.Is(err, errStalled):
		return kind{sentinel: llm.ErrUnavailable, transient: true}
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ThrottlingException":
			return kind{sentinel: llm.ErrThrottled, transient: true}
		case "ServiceQuotaExceededException":
			return kind{sentinel: llm.ErrThrottled}
		case "ServiceUnavailableException", "ModelNotReadyException", "InternalServerException":
			return kind{sentinel: llm.ErrUnavailable, transient: true}
		case "ValidationException", "ResourceNotFoundException":
			return kind{sentinel: llm.ErrInvalid}
		}
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			switch s := re.HTTPStatusCode(); {
			case s == nethttp.StatusTooManyRequests:
				return kind{sentinel: llm.ErrThrottled, transient: true}
			case s == nethttp.StatusBadRequest:
				return kind{sentinel: llm.ErrInvalid}
			case s >= 500:
				return kind{sentinel: llm.ErrUnavailable, transient: true}
			}
		}
		return kind{sentinel: llm.ErrUnavailable}
	}
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		return kind{sentinel: llm.ErrUnavailable, transient: true}
	}
	// What is left is a failure to read or decode the response or the event
	// stream (a dropped connection, a truncated frame): transient.
	return kind{sentinel: llm.ErrUnavailable, transient: true}
}
