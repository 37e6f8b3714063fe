package idempotency_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/resync/resync/shared/domain/idempotency"
	"github.com/resync/resync/shared/domain/idempotency/idempotencytest"
)

func Example() {
	// In the functions the store is idemstore.New(redisClient, "idem:").
	g := idempotency.New(idempotencytest.New(nil), idempotency.Config{Expiry: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second) // the invocation's deadline
	defer cancel()

	rerun := func(context.Context) ([]byte, error) {
		fmt.Println("rerunning PAYROLL_LOAD")
		return []byte(`{"runId":"R42"}`), nil
	}
	payload := []byte(`{"proposal":"P7","action":"rerun","job":"PAYROLL_LOAD"}`)

	out, _ := g.Do(ctx, "confirm:P7", payload, rerun)
	fmt.Println(string(out.Result), out.Replayed)
	out, _ = g.Do(ctx, "confirm:P7", payload, rerun) // the same confirm again
	fmt.Println(string(out.Result), out.Replayed)

	_, err := g.Do(ctx, "confirm:P7", []byte(`{"proposal":"P7","action":"kill"}`), rerun)
	fmt.Println(errors.Is(err, idempotency.ErrPayloadMismatch))
	// Output:
	// rerunning PAYROLL_LOAD
	// {"runId":"R42"} false
	// {"runId":"R42"} true
	// true
}
