// Package stack defines Resync's AWS deployment as CDK constructs: the network
// and cache, one Lambda per function in the route table, the HTTP and
// WebSocket APIs, the user pool, the buckets and the web distribution, the
// schedules, the secrets, and the alarms and dashboard that watch them.
//
// Nothing here reads the environment; the app's main builds Props and passes
// them in, so tests synthesize the same stack from plain values.
package stack

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/resync/resync/shared/edge/routes"
)

// Stage is one deployment of Resync and the sizes that differ between
// deployments. The table of stages is Stages.
type Stage struct {
	Name string

	// NATGateways is the number of NAT gateways; the functions reach HWA and
	// Neo4j Aura through them, so it is at least one.
	NATGateways int

	CacheNodeType string
	// CacheNodes is the number of cache nodes; two or more turn on automatic
	// failover across availability zones.
	CacheNodes int

	LogRetention awslogs.RetentionDays
	// Retain keeps the stateful resources (buckets, user pool, cache, secrets)
	// when the stack is deleted.
	Retain bool

	HTTPThrottle Throttle
	WSThrottle   Throttle

	// ChatModelID is the Bedrock model (or inference profile) used for
	// Converse; EmbedModelID the embedding model.
	ChatModelID  string
	EmbedModelID string

	// Functions sizes each function by name; every name in
	// routes.Functions() must have an entry.
	Functions map[string]FunctionSize
}

// Throttle is an API Gateway steady-state rate (requests per second) and burst.
type Throttle struct {
	Rate  float64
	Burst float64
}

// FunctionSize is the memory and timeout of one function.
type FunctionSize struct {
	MemoryMB int
	Timeout  time.Duration
	// ReservedConcurrency caps the function's concurrency; zero leaves it
	// unreserved.
	ReservedConcurrency int
}

// defaultSizes are the function sizes both stages start from. chat outlives
// the 29 s WebSocket route timeout on purpose: it keeps streaming and posts
// its answer through the management API. ingest parses and embeds whole
// documents, so it gets the longest timeout — and a reserved concurrency of
// ingestConcurrency, so a burst of uploads (hostile or not) cannot take the
// account's whole concurrency or run up unbounded embedding spend; S3 events
// beyond it are throttled and retried by Lambda's async queue.
// ingestConcurrency is how many documents ingest parses and embeds at once.
const ingestConcurrency = 5

// The sizes against what `make bench` measured (docs/benchmarks.md, 2-core
// machine; Lambda's 1,769 MB is one vCPU, so CPU-bound figures
// are taken as they are):
//
//	function  memory   timeout  figure that sets it
//	ingest    1536 MB  15 min   full topology sync of 100,000 jobs 31 s with a 39 MB
//	                            peak heap (flat from 10,000), so 200,000 jobs is ~1 min,
//	                            a fifteenth of the timeout; an incremental sync (1 %
//	                            changed) 3.1 s every 15 min. The memory is for
//	                            documents: parsing, chunking and embedding a 500-chunk
//	                            runbook holds its vectors (1,024 floats a chunk, twice
//	                            during the write); chunk writes run ~3,300 chunks/s, so
//	                            a 500-chunk runbook takes about 0.15 s of graph time.
//	chat      1024 MB  5 min    impact p99 20 ms, why-waiting p99 9 ms, critical path
//	                            p99 7 ms at 100,000 jobs (flat with size); hybrid
//	                            retrieval p99 58 ms at 10,000 chunks, 88-177 ms at
//	                            100,000: the model stream, not the graph, sets the
//	                            timeout.
//	status    512 MB   29 s     a cold plan summary at 100,000 jobs: 13 HWA calls,
//	admin                       424 KB read, 16 ms of CPU (BenchmarkSummary), never the job
//	mcp                         list; 29 s is API Gateway's limit.
//	health    256 MB   1 min    pings only; no plan read.

func defaultSizes() map[string]FunctionSize {
	return map[string]FunctionSize{
		routes.Chat:   {MemoryMB: 1024, Timeout: 5 * time.Minute},
		routes.Status: {MemoryMB: 512, Timeout: 29 * time.Second},
		routes.Admin:  {MemoryMB: 512, Timeout: 29 * time.Second},
		routes.Ingest: {MemoryMB: 1536, Timeout: 15 * time.Minute, ReservedConcurrency: ingestConcurrency},
		routes.Health: {MemoryMB: 256, Timeout: time.Minute},
		routes.MCP:    {MemoryMB: 512, Timeout: 29 * time.Second},
	}
}

// Stages returns the table of stages. The slice is new on every call.
func Stages() []Stage {
	return []Stage{
		{
			Name:          "dev",
			NATGateways:   1,
			CacheNodeType: "cache.t4g.micro",
			CacheNodes:    1,
			LogRetention:  awslogs.RetentionDays_TWO_WEEKS,
			Retain:        false,
			HTTPThrottle:  Throttle{Rate: 20, Burst: 40},
			WSThrottle:    Throttle{Rate: 10, Burst: 20},
			ChatModelID:   "anthropic.claude-3-5-haiku-20241022-v1:0",
			EmbedModelID:  "amazon.titan-embed-text-v2:0",
			Functions:     defaultSizes(),
		},
		{
			Name:          "prod",
			NATGateways:   2,
			CacheNodeType: "cache.t4g.small",
			CacheNodes:    2,
			LogRetention:  awslogs.RetentionDays_THREE_MONTHS,
			Retain:        true,
			HTTPThrottle:  Throttle{Rate: 100, Burst: 200},
			WSThrottle:    Throttle{Rate: 50, Burst: 100},
			ChatModelID:   "anthropic.claude-3-5-sonnet-20241022-v2:0",
			EmbedModelID:  "amazon.titan-embed-text-v2:0",
			Functions:     defaultSizes(),
		},
	}
}

// StageNamed returns the stage called name from Stages, or an error listing
// the known names.
func StageNamed(name string) (Stage, error) {
	var names []string
	for _, s := range Stages() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return Stage{}, fmt.Errorf("stack: unknown stage %q (known: %s)", name, strings.Join(names, ", "))
}

// validate reports every problem with the stage at once.
func (s Stage) validate() error {
	var probs []string
	if s.Name == "" {
		probs = append(probs, "empty name")
	}
	if s.NATGateways < 1 {
		probs = append(probs, "NATGateways < 1")
	}
	if s.CacheNodes < 1 {
		probs = append(probs, "CacheNodes < 1")
	}
	if s.ChatModelID == "" || s.EmbedModelID == "" {
		probs = append(probs, "empty Bedrock model id")
	}
	for _, fn := range routes.Functions() {
		if _, ok := s.Functions[fn]; !ok {
			probs = append(probs, "no size for function "+fn)
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("stack: stage %q: %s", s.Name, strings.Join(probs, "; "))
	}
	return nil
}
