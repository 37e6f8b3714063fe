// Package s3audit is the durable, tamper-evident store of the audit trail:
// one S3 object per record, written before the action it records is carried
// out (audit.Config.Durable), under
//
//	audit/YYYY/MM/DD/<seq, ten digits>.json
//
// Each day is a chain: a record carries its day, its sequence number (from
// 1), the SHA-256 of the record before it (prevHash; for seq 1 a fixed
// genesis value of the day) and its own SHA-256 (hash, over the record's JSON
// with hash empty). Writers on any number of Lambdas take sequence numbers
// with conditional writes — PutObject with If-None-Match: "*" — so two can
// never take the same one: the loser of a race gets 412, reads the winner's
// record and tries the next number, chained to it. A Redis hint (Hint) says
// where to start; S3 is the truth, and without the hint a writer lists the
// day.
//
// In AWS the bucket has Object Lock (records cannot be deleted or their
// versions removed before their retention ends) and a bucket policy refusing
// writes without If-None-Match, so a record cannot be replaced either. Verify
// walks every version of a day and reports each place the chain breaks: a
// missing seq, a record whose content no longer has its hash, a link to a
// previous hash that is not the previous record's, a key that has been
// overwritten (more than one version) or hidden by a delete marker.
package s3audit

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/resync/resync/shared/domain/trail"
)

// Errors of Trail, to test with errors.Is.
var (
	// ErrUnavailable: S3 could not be reached or refused the call; for Put,
	// nothing was recorded.
	ErrUnavailable = errors.New("s3audit: unavailable")
	// ErrContended: Put lost the race for a sequence number too many times.
	ErrContended = errors.New("s3audit: contended")
	// ErrInvalid: a bad day or a record that does not fit in one object.
	ErrInvalid = errors.New("s3audit: invalid")
)

// objects is the part of *s3.Client the trail uses.
type objects interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, opts ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
}

// Hint remembers the last sequence number of each day (*audit.Head). Its
// errors are ignored: it is only a hint.
type Hint interface {
	Last(ctx context.Context, day string) (int64, error)
	Advance(ctx context.Context, day string, seq int64) error
}

// Config configures a Trail.
type Config struct {
	Bucket string // required
	Prefix string // default "audit/"
	Hint   Hint   // optional
	Now    func() time.Time
	// MaxAttempts bounds the sequence numbers one Put tries (default 64).
	MaxAttempts int
}

// Trail is the durable audit trail. It is safe for concurrent use.
type Trail struct {
	s3  objects
	cfg Config
}

// New returns a Trail over client (an *s3.Client). It returns ErrInvalid
// when the bucket is not set.
func New(client objects, cfg Config) (*Trail, error) {
	if cfg.Bucket == "" {
		return nil, fmt.Errorf("s3audit: new: %w: no bucket", ErrInvalid)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "audit/"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 64
	}
	return &Trail{s3: client, cfg: cfg}, nil
}

// DayLayout is the layout of a day: YYYY-MM-DD, UTC.
const DayLayout = "2006-01-02"

// maxObject bounds a record's object (the entry fields are bounded by their
// writers; this keeps a reader bounded too).
const maxObject = 256 << 10

// object is the stored form of a record. Field order is the hash's input.
type object struct {
	Day           string    `json:"day"`
	Seq           int64     `json:"seq"`
	Time          time.Time `json:"time"`
	User          string    `json:"user"`
	Action        string    `json:"action"`
	Targets       []string  `json:"targets,omitempty"`
	Justification string    `json:"justification,omitempty"`
	Result        string    `json:"result,omitempty"`
	Detail        string    `json:"detail,omitempty"`
	ProposalID    string    `json:"proposalId,omitempty"`
	Category      string    `json:"category,omitempty"`
	Ticket        string    `json:"ticket,omitempty"`
	ExpiresAt     time.Time `json:"expiresAt,omitzero"`
	PrevHash      string    `json:"prevHash"`
	// Write is a random id of the Put that wrote the record: it tells a
	// writer its own record from another with the same content and time.
	// Records written before it existed have none, and verify as before.
	Write string `json:"write,omitempty"`
	Hash  string `json:"hash"`
}

// sum returns the hash the record must carry: SHA-256 of its JSON with
// Hash empty, hex.
func (o object) sum() string {
	o.Hash = ""
	b, _ := json.Marshal(o) // a struct of strings and times cannot fail
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (o object) entry(key string) trail.Entry {
	return trail.Entry{Time: o.Time, User: o.User, Action: o.Action, Targets: o.Targets,
		Justification: o.Justification, Result: o.Result, Detail: o.Detail, ProposalID: o.ProposalID,
		Category: o.Category, Ticket: o.Ticket, ExpiresAt: o.ExpiresAt, Seq: o.Seq, Key: key, Hash: o.Hash}
}

// Genesis returns the prevHash of a day's first record (trail.Genesis).
func Genesis(day string) string { return trail.Genesis(day) }

// Key returns the object key of seq on day.
func (t *Trail) Key(day string, seq int64) string {
	return t.dayPrefix(day) + fmt.Sprintf("%010d.json", seq)
}

// dayPrefix turns 2026-12-03 into audit/2026/12/03/.
func (t *Trail) dayPrefix(day string) string {
	return t.cfg.Prefix + strings.ReplaceAll(day, "-", "/") + "/"
}

// seqOf parses the sequence number of a key of the day, or returns false.
func (t *Trail) seqOf(day, key string) (int64, bool) {
	name, ok := strings.CutPrefix(key, t.dayPrefix(day))
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(name, ".json")
	if !ok || len(digits) != 10 {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

// ParseDay checks a day (YYYY-MM-DD). It returns ErrInvalid.
func ParseDay(day string) (time.Time, error) {
	d, err := time.Parse(DayLayout, day)
	if err != nil {
		return time.Time{}, fmt.Errorf("s3audit: %w: day %q is not YYYY-MM-DD", ErrInvalid, day)
	}
	return d, nil
}

// link is a chain position: the last seq taken and its hash.
type link struct {
	seq  int64
	hash string
}

// Put records e as the next record of today's chain and returns it with
// Time, Seq, Key and Hash set. It returns nothing else than a stored record
// or an error: ErrUnavailable (S3 failed; nothing recorded), ErrContended,
// ErrInvalid (the record is too large).
func (t *Trail) Put(ctx context.Context, e trail.Entry) (trail.Entry, error) {
	now := t.cfg.Now().UTC()
	day := now.Format(DayLayout)
	head, err := t.head(ctx, day)
	if err != nil {
		return trail.Entry{}, fmt.Errorf("s3audit: put %s by %s: %w", e.Action, e.User, err)
	}
	o := object{Day: day, Time: now, User: e.User, Action: e.Action, Targets: e.Targets,
		Justification: e.Justification, Result: e.Result, Detail: e.Detail, ProposalID: e.ProposalID,
		Category: e.Category, Ticket: e.Ticket, ExpiresAt: e.ExpiresAt, Write: crand.Text()}
	conflicts := 0
	for range t.cfg.MaxAttempts {
		o.Seq, o.PrevHash = head.seq+1, head.hash
		o.Hash = o.sum()
		body, err := json.Marshal(o)
		if err != nil {
			return trail.Entry{}, fmt.Errorf("s3audit: put %s: encode: %w", e.Action, err)
		}
		if len(body) > maxObject {
			return trail.Entry{}, fmt.Errorf("s3audit: put %s: %w: %d bytes", e.Action, ErrInvalid, len(body))
		}
		key := t.Key(day, o.Seq)
		_, err = t.s3.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(t.cfg.Bucket), Key: aws.String(key), Body: bytes.NewReader(body),
			ContentType: aws.String("application/json"), IfNoneMatch: aws.String("*"),
			// Object Lock requires a checksum on every upload.
			ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		})
		switch status(err) {
		case 0:
			if t.cfg.Hint != nil {
				_ = t.cfg.Hint.Advance(context.WithoutCancel(ctx), day, o.Seq)
			}
			return o.entry(key), nil
		case 412: // taken: chain to the newest record and try the one after
			prev, err := t.read(ctx, key, "")
			if err == nil && prev.Write == o.Write && prev.Hash == o.Hash {
				// Our own record: the write landed and a retry of it (the
				// SDK's, after a lost response) found the key taken.
				if t.cfg.Hint != nil {
					_ = t.cfg.Hint.Advance(context.WithoutCancel(ctx), day, o.Seq)
				}
				return o.entry(key), nil
			}
			// Jump to the head when it is past the seq we lost (other
			// writers may have taken several since): stepping one seq per
			// lost race let a slow writer spend MaxAttempts behind faster ones.
			if h, herr := t.head(ctx, day); herr == nil && h.seq >= o.Seq {
				head = h
				break
			}
			switch {
			case err == nil:
				head = link{o.Seq, prev.Hash}
			case errors.Is(err, errUnreadable), errors.Is(err, errNoObject):
				// Not a record (Verify reports it): chain on past it, so that
				// one bad object cannot stop the trail, and with it every action.
				head = link{o.Seq, ""}
			default:
				return trail.Entry{}, fmt.Errorf("s3audit: put %s: read seq %d: %w", e.Action, o.Seq, err)
			}
		case 409: // a concurrent conditional write to the same key: try it again
			// after a short, growing, jittered pause; retried at once,
			// writers that collide keep colliding and spend MaxAttempts
			// without a winner.
			conflicts++
			if err := pause(ctx, conflicts); err != nil {
				return trail.Entry{}, fmt.Errorf("s3audit: put %s: %w: %w", e.Action, ErrUnavailable, err)
			}
		default:
			return trail.Entry{}, fmt.Errorf("s3audit: put %s by %s at %s: %w: %w", e.Action, e.User, key, ErrUnavailable, err)
		}
		if err := ctx.Err(); err != nil {
			return trail.Entry{}, fmt.Errorf("s3audit: put %s: %w: %w", e.Action, ErrUnavailable, err)
		}
	}
	return trail.Entry{}, fmt.Errorf("s3audit: put %s: %w: %d sequence numbers taken by other writers", e.Action, ErrContended, t.cfg.MaxAttempts)
}

// pause waits 1 ms times 2^(n-1) (capped at 32 ms), jittered to between
// half and one and a half times that, or
// until ctx ends.
func pause(ctx context.Context, n int) error {
	d := time.Millisecond << min(n-1, 5)
	t := time.NewTimer(d/2 + rand.N(d))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// status returns 0 for no error, the HTTP status of an S3 error, or -1.
func status(err error) int {
	if err == nil {
		return 0
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != 0 {
		return re.HTTPStatusCode()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "PreconditionFailed":
			return 412
		case "ConditionalRequestConflict":
			return 409
		case "NoSuchKey", "NoSuchVersion":
			return 404
		}
	}
	return -1
}

// head finds the last record of day: from the hint when it names a record
// that exists, else by listing the day.
func (t *Trail) head(ctx context.Context, day string) (link, error) {
	if t.cfg.Hint != nil {
		if n, err := t.cfg.Hint.Last(ctx, day); err == nil && n > 0 {
			o, err := t.read(ctx, t.Key(day, n), "")
			if err == nil {
				return link{n, o.Hash}, nil
			}
			if !errors.Is(err, errNoObject) {
				return link{}, err
			}
		}
	}
	vs, err := t.versions(ctx, day)
	if err != nil {
		return link{}, err
	}
	if len(vs) == 0 {
		return link{0, Genesis(day)}, nil
	}
	last := vs[len(vs)-1]
	if last.seq == 0 { // a stray object sorts last: start past the listing's records
		var n int64
		for _, kv := range vs {
			n = max(n, kv.seq)
		}
		if n == 0 {
			return link{0, Genesis(day)}, nil
		}
		last = keyVersions{key: t.Key(day, n), seq: n}
	}
	o, err := t.read(ctx, last.key, "")
	switch {
	case err == nil:
		return link{last.seq, o.Hash}, nil
	case errors.Is(err, errUnreadable), errors.Is(err, errNoObject):
		return link{last.seq, ""}, nil // see Put
	}
	return link{}, err
}

var errNoObject = errors.New("s3audit: no such object")

// read gets and decodes one object (one version when version is set).
func (t *Trail) read(ctx context.Context, key, version string) (object, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(t.cfg.Bucket), Key: aws.String(key)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	out, err := t.s3.GetObject(ctx, in)
	if err != nil {
		if status(err) == 404 {
			return object{}, fmt.Errorf("read %s: %w", key, errNoObject)
		}
		return object{}, fmt.Errorf("read %s: %w: %w", key, ErrUnavailable, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, maxObject+1))
	if err != nil {
		return object{}, fmt.Errorf("read %s: %w: %w", key, ErrUnavailable, err)
	}
	var o object
	if len(b) > maxObject {
		return object{}, fmt.Errorf("read %s: %w", key, errUnreadable)
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return object{}, fmt.Errorf("read %s: %w: %v", key, errUnreadable, err)
	}
	return o, nil
}

var errUnreadable = errors.New("not a record")

// keyVersions is what a day's listing says of one key.
type keyVersions struct {
	key      string
	seq      int64
	versions int    // how many versions it has
	first    string // the version id of the original ("" when unversioned)
	latest   string // the version id GET returns
	deleted  bool   // a delete marker is the latest
	firstAt  time.Time
}

// versions lists every key of day with its versions, in seq order. Keys
// that are not records of the day are returned with seq 0.
func (t *Trail) versions(ctx context.Context, day string) ([]keyVersions, error) {
	var out []keyVersions
	index := map[string]int{}
	at := func(key string) *keyVersions {
		i, ok := index[key]
		if !ok {
			seq, _ := t.seqOf(day, key)
			i = len(out)
			index[key] = i
			out = append(out, keyVersions{key: key, seq: seq})
		}
		return &out[i]
	}
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(t.cfg.Bucket), Prefix: aws.String(t.dayPrefix(day))}
	for {
		page, err := t.s3.ListObjectVersions(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w: %w", t.dayPrefix(day), ErrUnavailable, err)
		}
		for _, v := range page.Versions {
			kv := at(aws.ToString(v.Key))
			kv.versions++
			id, when := aws.ToString(v.VersionId), aws.ToTime(v.LastModified)
			if aws.ToBool(v.IsLatest) {
				kv.latest = id
			}
			// The original is the oldest; on a tie, one that is not the latest.
			if kv.versions == 1 || when.Before(kv.firstAt) || (when.Equal(kv.firstAt) && kv.first == kv.latest) {
				kv.first, kv.firstAt = id, when
			}
		}
		for _, m := range page.DeleteMarkers {
			kv := at(aws.ToString(m.Key))
			if aws.ToBool(m.IsLatest) {
				kv.deleted = true
			}
		}
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		in.KeyMarker, in.VersionIdMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
	// Key order is seq order (ten digits, zero-padded).
	slices.SortStableFunc(out, func(a, b keyVersions) int { return strings.Compare(a.key, b.key) })
	return out, nil
}
