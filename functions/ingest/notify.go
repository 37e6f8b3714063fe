package main

import (
	"context"
	"log/slog"

	"github.com/resync/resync/shared/domain/frames"
)

// Notifier pushes an event frame to a user's open WebSocket connections.
// Delivery is best effort: a failure is logged, never returned, so a closed
// browser tab cannot fail an ingest.
type Notifier interface {
	Notify(ctx context.Context, user string, ev frames.Event)
}

// userPoster posts a frame to every connection of a user (*push.Poster).
type userPoster interface {
	ToUser(ctx context.Context, user string, frame any) (int, error)
}

// pushNotifier posts through the @connections API to the connections the
// chat function registered for the user.
type pushNotifier struct {
	poster userPoster
	log    *slog.Logger
}

func (p pushNotifier) Notify(ctx context.Context, user string, ev frames.Event) {
	n, err := p.poster.ToUser(ctx, user, ev)
	if err != nil {
		p.log.WarnContext(ctx, "ingest progress not pushed", "user", user, "err", err.Error())
		return
	}
	p.log.DebugContext(ctx, "ingest progress pushed", "user", user, "connections", n, "data", ev.Data)
}

// logNotifier only logs: no WebSocket endpoint is configured.
type logNotifier struct{ log *slog.Logger }

func (l logNotifier) Notify(ctx context.Context, user string, ev frames.Event) {
	l.log.InfoContext(ctx, "ingest progress", "user", user, "data", ev.Data)
}
