package retrieve

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/app/docs"
	"github.com/resync/resync/shared/domain/runbook"
	"github.com/resync/resync/shared/domain/workload"
)

func TestFuse(t *testing.T) {
	got := Fuse([]string{"a", "b", "c"}, []string{"c", "a", "a"}, nil, []string{"d"})
	ids := make([]string, len(got))
	for i, f := range got {
		ids[i] = f.ID
	}
	// a: 1/61+1/62, c: 1/63+1/61, d: 1/61, b: 1/62.
	if want := []string{"a", "c", "d", "b"}; !slices.Equal(ids, want) {
		t.Errorf("Fuse order = %v, want %v", ids, want)
	}
	if want := 1.0/61 + 1.0/62; math.Abs(got[0].Score-want) > 1e-12 {
		t.Errorf("Fuse score of a = %v, want %v", got[0].Score, want)
	}
	// Ties keep first appearance: b (1/62) vs e (1/62).
	got = Fuse([]string{"x", "b"}, []string{"y", "e"})
	if got[2].ID != "b" || got[3].ID != "e" {
		t.Errorf("Fuse ties = %+v, want b before e", got)
	}
}

func TestLuceneQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"what to do when PAY_LOAD abends?", "pay_load abends"},
		{`title:(x AND y~) OR "z" NOT w*`, `title\:\(x y\~\) \"z\" w\*`},
		{"the a of", ""},
		{"HOST#STREAM.JOB-1 fails", `host#stream.job\-1 fails`},
		{"", ""},
	}
	for _, tt := range tests {
		// The tokenizer splits on punctuation the escaper would escape;
		// what remains must be escaped and free of operators.
		got := LuceneQuery(tt.in)
		if tt.in == `title:(x AND y~) OR "z" NOT w*` {
			if strings.Contains(got, "AND") || strings.Contains(got, "OR") || strings.Contains(got, "NOT") {
				t.Errorf("LuceneQuery(%q) = %q keeps an operator", tt.in, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("LuceneQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, want := EscapeLucene(`a+b-c&&d||e!(f){g}[h]^"i"~j*k?l:m\n/o`), `a\+b\-c\&\&d\|\|e\!\(f\)\{g\}\[h\]\^\"i\"\~j\*k\?l\:m\\n\/o`; got != want {
		t.Errorf("EscapeLucene = %q, want %q", got, want)
	}
}

func TestNames(t *testing.T) {
	got := Names("what to do when pay_load or PAYROLL.PAY_SEND abends")
	for _, want := range []string{"pay_load", "PAY_LOAD", "PAYROLL.PAY_SEND", "PAYROLL", "PAY_SEND"} {
		if !slices.Contains(got, want) {
			t.Errorf("Names = %v, missing %s", got, want)
		}
	}
	if slices.Contains(got, "abends") || slices.Contains(got, "ABENDS") {
		t.Errorf("Names = %v, want no plain words", got)
	}
}

func TestSearchInvalid(t *testing.T) {
	s := New(nil, docs.Hashing{})
	for _, q := range []string{"", "   ", strings.Repeat("x", MaxQuery+1)} {
		if _, err := s.Search(context.Background(), q, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("Search(%.10q) error = %v, want ErrInvalid", q, err)
		}
	}
}

// fixture is a store in its own engine with documents in their own bucket;
// both are removed after the test.
type fixture struct {
	store  *graph.Store
	bucket string
	embed  docs.Hashing
	prefix string
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	cfg := testenv.Neo4j(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	stamp := time.Now().UnixNano()
	engine := fmt.Sprintf("retrieve-%s-%d", tb.Name(), stamp)
	s, err := graph.Open(ctx, graph.Config{URI: cfg.URI, User: cfg.User, Password: cfg.Password, Engine: engine})
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.EnsureSchema(ctx); err != nil {
		tb.Fatal(err)
	}
	f := &fixture{store: s, bucket: fmt.Sprintf("retrieve-%d", stamp), prefix: fmt.Sprintf("R%d", stamp%1_000_000_000)}
	tb.Cleanup(func() {
		ctx := context.Background()
		for _, q := range []string{
			"MATCH (d:Document {bucket: $bucket}) OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c) WITH d, c LIMIT 5000 DETACH DELETE c, d RETURN count(*) AS n",
			"MATCH (n) WHERE n.engine = $engine WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS n",
		} {
			for {
				recs, err := s.Write(ctx, q, map[string]any{"bucket": f.bucket, "engine": engine})
				if err != nil {
					tb.Errorf("cleanup: %v", err)
					break
				}
				if n, _ := recs[0].Get("n"); n == int64(0) {
					break
				}
			}
		}
		_ = s.Close(ctx)
	})
	return f
}

// plan stores a small plan: one stream, one workstation, the named jobs.
func (f *fixture) plan(tb testing.TB, jobs ...string) {
	tb.Helper()
	snap := graph.Snapshot{
		Workstations: []workload.Workstation{{ID: f.prefix + "W", Name: f.prefix + "_WS"}},
		Streams:      []workload.JobStream{{ID: f.prefix + "S", Name: f.prefix + "_STREAM", WorkstationID: f.prefix + "W"}},
	}
	for _, j := range jobs {
		snap.Jobs = append(snap.Jobs, workload.Job{ID: f.prefix + "-" + j, Name: j, StreamID: f.prefix + "S", WorkstationID: f.prefix + "W"})
	}
	if _, err := f.store.UpsertTopology(context.Background(), snap); err != nil {
		tb.Fatal(err)
	}
}

type section struct{ title, text string }

// document ingests a document of chunks (one per section) and returns its id.
func (f *fixture) document(tb testing.TB, name string, sections ...section) string {
	tb.Helper()
	ctx := context.Background()
	d := graph.Document{ID: graph.DocumentID(f.bucket, name), Bucket: f.bucket, Key: name, VersionID: "v1", Name: name, ContentType: "text/markdown"}
	if ok, err := f.store.ClaimDocument(ctx, d); err != nil || !ok {
		tb.Fatalf("ClaimDocument = %v, %v", ok, err)
	}
	texts := make([]string, len(sections))
	for i, s := range sections {
		texts[i] = s.text
	}
	vecs, _ := f.embed.Embed(ctx, texts)
	chunks := make([]graph.DocumentChunk, len(sections))
	for i, s := range sections {
		chunks[i] = graph.DocumentChunk{Ordinal: i, Section: s.title, Text: s.text, Embedding: vecs[i]}
	}
	if _, err := f.store.WriteDocument(ctx, d, chunks); err != nil {
		tb.Fatal(err)
	}
	return d.ID
}

func sectionsOf(rs []Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Document + " § " + r.Section
	}
	return out
}

func TestSearchHybrid(t *testing.T) {
	f := newFixture(t)
	job := f.prefix + "_PAY_LOAD"
	f.plan(t, job)
	rb := f.document(t, "payroll.md",
		section{"Payroll > Recovery", "If " + job + " stops with a non-zero return code, check the database password in the vault, then rerun it from the last run."},
		section{"Payroll > Contacts", "The payroll team is on call from 06:00 to 22:00."},
	)
	f.document(t, "generic.md",
		section{"Generic > Abends", "When a job abends, read its log before rerunning anything."},
		section{"Generic > Disk", "When a workstation's disk is full, purge old logs."},
	)
	s := New(f.store, f.embed)
	ctx := context.Background()

	// The question names the job: the runbook linked to it through MENTIONS
	// comes first though its wording ("stops with a non-zero return code")
	// differs from "abends".
	got, err := s.Search(ctx, "what to do when "+strings.ToLower(job)+" abends?", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[0].DocumentID != rb || got[0].Section != "Payroll > Recovery" {
		t.Fatalf("Search = %v, want payroll.md § Payroll > Recovery first", sectionsOf(got))
	}
	if !slices.Contains(got[0].Mentions, job) || got[0].Score <= 0 || !strings.Contains(got[0].Text, "database password") {
		t.Errorf("first result = %+v, want the job in mentions, a score and the text", got[0])
	}
	// A question without a job name finds the generic section by its words.
	got, err = s.Search(ctx, "a job abends: what first?", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[0].Section != "Generic > Abends" {
		t.Errorf("Search(abends) = %v, want Generic > Abends first", sectionsOf(got))
	}
	// Lucene and Cypher syntax in the question is searched for as text.
	for _, q := range []string{`title:(x AND y~) OR "z" NOT w*`, `") RETURN 1 //`, `\`, "disk} MATCH (n) DETACH DELETE n"} {
		if _, err := s.Search(ctx, q, 3); err != nil {
			t.Errorf("Search(%q) = %v, want no error", q, err)
		}
	}
	if got, err := s.Search(ctx, "disk full purge", 1); err != nil || len(got) != 1 || got[0].Section != "Generic > Disk" {
		t.Errorf("after odd queries Search(disk) = %v, %v; want Generic > Disk (nothing deleted)", sectionsOf(got), err)
	}

	// A document being re-ingested (status ingesting) is not returned.
	d := graph.Document{ID: rb, Bucket: f.bucket, Key: "payroll.md", VersionID: "v2"}
	if ok, err := f.store.ClaimDocument(ctx, d); err != nil || !ok {
		t.Fatalf("ClaimDocument v2 = %v, %v", ok, err)
	}
	got, err = s.Search(ctx, "what to do when "+job+" abends?", 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		if r.DocumentID == rb {
			t.Errorf("Search returned %v of a document not ingested", sectionsOf(got))
		}
	}
	// Deleted: gone.
	if _, err := f.store.DeleteDocument(ctx, rb); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Search(ctx, "database password vault", 5)
	for _, r := range got {
		if r.DocumentID == rb {
			t.Errorf("Search returned %v of a deleted document", sectionsOf(got))
		}
	}
}

type failingGraph struct{}

func (failingGraph) Rank(context.Context, runbook.Query) (runbook.Ranking, error) {
	return runbook.Ranking{}, graph.ErrUnavailable
}

func (failingGraph) Passages(context.Context, []string) ([]runbook.Passage, error) {
	return nil, graph.ErrUnavailable
}

// fixedIndex ranks every query the same and knows the passages it holds.
type fixedIndex struct {
	ranking  runbook.Ranking
	passages []runbook.Passage
	got      runbook.Query
}

func (f *fixedIndex) Rank(_ context.Context, q runbook.Query) (runbook.Ranking, error) {
	f.got = q
	return f.ranking, nil
}

func (f *fixedIndex) Passages(_ context.Context, ids []string) ([]runbook.Passage, error) {
	var out []runbook.Passage
	for _, p := range f.passages {
		if slices.Contains(ids, p.ChunkID) {
			out = append(out, p)
		}
	}
	return out, nil
}

// TestSearchFusesAndDropsDeleted: the three lists are fused by rank, a
// chunk deleted between ranking and reading is left out, the mentions are
// kept, and the index is asked with the escaped words and the names.
func TestSearchFusesAndDropsDeleted(t *testing.T) {
	x := &fixedIndex{
		ranking: runbook.Ranking{
			Vector: []string{"a", "b", "gone"},
			Text:   []string{"b", "c"},
			Graph:  []runbook.Mention{{ChunkID: "b", Names: []string{"PAY_LOAD"}}},
		},
		passages: []runbook.Passage{
			{ChunkID: "a", DocumentID: "d1", Document: "one.md", Section: "A", Text: "alpha"},
			{ChunkID: "b", DocumentID: "d1", Document: "one.md", Section: "B", Text: "beta"},
			{ChunkID: "c", DocumentID: "d2", Document: "two.md", Section: "C", Text: "gamma"},
		},
	}
	got, err := New(x, nil).Search(context.Background(), "why does PAY_LOAD abend?", 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ChunkID)
	}
	if !slices.Equal(ids, []string{"b", "a", "c"}) {
		t.Fatalf("order = %v, want b (three lists), a, c", ids)
	}
	if !slices.Equal(got[0].Mentions, []string{"PAY_LOAD"}) || got[0].Document != "one.md" || got[0].Text != "beta" {
		t.Errorf("first result = %+v", got[0])
	}
	if x.got.Vector != nil || !slices.Contains(x.got.Names, "PAY_LOAD") || !strings.Contains(x.got.Lucene, "pay_load") || x.got.K != candidates {
		t.Errorf("query = %+v", x.got)
	}
}

func TestSearchUnavailable(t *testing.T) {
	_, err := New(failingGraph{}, docs.Hashing{}).Search(context.Background(), "PAY_LOAD abends", 3)
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, graph.ErrUnavailable) {
		t.Errorf("Search error = %v, want ErrUnavailable wrapping the graph's", err)
	}
}
