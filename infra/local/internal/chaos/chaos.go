// Package chaos puts Shopify's toxiproxy, run in-process, on the wire
// between the local stack's functions and one of their dependencies (HWA,
// Redis, Neo4j, Bedrock), so that a test can make that dependency slow,
// reset its connections, swallow its traffic or go away, and then come back.
//
// A Proxy listens on a loopback port of its own and forwards every TCP
// connection to its upstream; the functions are given the proxy's address
// instead of the dependency's. Faults act on connections already open as
// well as on new ones, as a real network fault does.
package chaos

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// Fault is what a Proxy does to the traffic through it.
type Fault string

// The faults of the matrix.
const (
	// None forwards the traffic unharmed.
	None Fault = ""
	// Latency delays every answer from the upstream by LatencyDelay.
	Latency Fault = "latency"
	// Reset resets (TCP RST) a connection as soon as the client sends on it.
	Reset Fault = "reset"
	// BlackHole accepts connections and swallows what flows either way,
	// never answering and never closing: the caller's timeouts must fire.
	BlackHole Fault = "blackhole"
	// Down stops listening and closes every open connection: new
	// connections are refused, as when the dependency's host is down.
	Down Fault = "down"
)

// LatencyDelay is the delay of the Latency fault.
const LatencyDelay = 5 * time.Second

// Faults are the wire faults, in the order the matrix lists them.
var Faults = []Fault{Latency, Reset, BlackHole, Down}

// Server holds the proxies of one test; its zero value is not usable.
type Server struct {
	api *toxiproxy.ApiServer
}

// NewServer returns a Server with no proxy.
func NewServer() *Server {
	return &Server{api: toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())}
}

// Proxy forwards connections to one upstream and injects one fault at a
// time. It is safe for concurrent use.
type Proxy struct {
	name string
	p    *toxiproxy.Proxy

	mu    sync.Mutex
	fault Fault
}

// Proxy starts a proxy named name listening on a free loopback port and
// forwarding to upstream (host:port). It returns an error when the port
// cannot be opened or the name is taken.
func (s *Server) Proxy(name, upstream string) (*Proxy, error) {
	p := toxiproxy.NewProxy(s.api, name, "127.0.0.1:0", upstream)
	if err := s.api.Collection.Add(p, true); err != nil {
		return nil, fmt.Errorf("chaos: start proxy %s to %s: %w", name, upstream, err)
	}
	return &Proxy{name: name, p: p}, nil
}

// Close stops every proxy.
func (s *Server) Close() { _ = s.api.Collection.Clear() }

// Name returns the proxy's name.
func (p *Proxy) Name() string { return p.name }

// Addr returns the host:port the proxy listens on; it stays the same when
// the proxy is brought down and up again.
func (p *Proxy) Addr() string { return p.p.Listen }

// Fault returns the fault in force.
func (p *Proxy) Fault() Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fault
}

// toxics are the toxiproxy toxics of each fault, as the JSON its API takes.
var toxics = map[Fault][]string{
	Latency: {fmt.Sprintf(`{"name":"latency","type":"latency","stream":"downstream","attributes":{"latency":%d}}`, LatencyDelay.Milliseconds())},
	Reset:   {`{"name":"reset","type":"reset_peer","stream":"upstream","attributes":{"timeout":0}}`},
	BlackHole: {
		`{"name":"blackhole_up","type":"timeout","stream":"upstream","attributes":{"timeout":0}}`,
		`{"name":"blackhole_down","type":"timeout","stream":"downstream","attributes":{"timeout":0}}`,
	},
}

// Inject replaces the fault in force with f (None clears it). It returns an
// error when f is unknown or the proxy cannot be restarted.
func (p *Proxy) Inject(f Fault) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f != None && f != Down && toxics[f] == nil {
		return fmt.Errorf("chaos: %s: unknown fault %q", p.name, f)
	}
	p.p.Toxics.ResetToxics(context.Background())
	if f == Down {
		p.p.Stop()
		p.fault = f
		return nil
	}
	if !p.p.Enabled {
		if err := p.p.Start(); err != nil {
			return fmt.Errorf("chaos: %s: bring the proxy up on %s: %w", p.name, p.p.Listen, err)
		}
	}
	for _, js := range toxics[f] {
		if _, err := p.p.Toxics.AddToxicJson(strings.NewReader(js)); err != nil {
			return fmt.Errorf("chaos: %s: add %s toxic: %w", p.name, f, err)
		}
	}
	p.fault = f
	return nil
}

// Clear removes the fault in force: Inject(None).
func (p *Proxy) Clear() error { return p.Inject(None) }
