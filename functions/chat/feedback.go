package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// redisFeedback keeps the newest ratings in a capped Redis list: the record
// of feedback whether or not the graph is configured. With the graph, memory
// also turns low ratings into review items (see handler.rate).
type redisFeedback struct {
	rdb  redis.Cmdable
	key  string
	keep int64
}

func (r redisFeedback) Record(ctx context.Context, fb Feedback) error {
	b, err := json.Marshal(fb)
	if err != nil {
		return fmt.Errorf("chat: encode feedback: %w", err)
	}
	pipe := r.rdb.TxPipeline()
	pipe.LPush(ctx, r.key, b)
	pipe.LTrim(ctx, r.key, 0, r.keep-1)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("chat: record feedback on %s: %w", fb.MessageID, err)
	}
	return nil
}
