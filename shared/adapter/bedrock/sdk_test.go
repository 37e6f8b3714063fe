package bedrock

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestHideWriterTo(t *testing.T) {
	body := []byte(`{"messages":[]}`)
	req := smithyhttp.NewStackRequest().(*smithyhttp.Request)
	req, err := req.SetStream(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := req.GetStream().(io.WriterTo); !ok {
		t.Fatal("test setup: a bytes.Reader stream should offer WriteTo")
	}
	var got *smithyhttp.Request
	next := middleware.BuildHandlerFunc(func(ctx context.Context, in middleware.BuildInput) (middleware.BuildOutput, middleware.Metadata, error) {
		got = in.Request.(*smithyhttp.Request)
		return middleware.BuildOutput{}, middleware.Metadata{}, nil
	})
	if _, _, err := (hideWriterTo{}).HandleBuild(context.Background(), middleware.BuildInput{Request: req}, next); err != nil {
		t.Fatal(err)
	}
	if _, ok := got.GetStream().(io.WriterTo); ok {
		t.Error("the stream still offers WriteTo")
	}
	if !got.IsStreamSeekable() || got.ContentLength != int64(len(body)) {
		t.Errorf("seekable %v length %d, want true and %d", got.IsStreamSeekable(), got.ContentLength, len(body))
	}
	// The body the transport sends is unchanged, and a closed body ends
	// cleanly through Read.
	b, err := io.ReadAll(got.Build(context.Background()).Body)
	if err != nil || !bytes.Equal(b, body) {
		t.Errorf("body = %q, %v", b, err)
	}
	if err := got.RewindStream(); err != nil {
		t.Errorf("rewind: %v", err)
	}
	built := got.Build(context.Background()).Body
	built.Close()
	if _, ok := built.(io.WriterTo); ok {
		t.Error("the built body offers WriteTo")
	}
	if n, err := io.Copy(io.Discard, built); n != 0 || err != nil {
		t.Errorf("copy from a closed body = %d, %v; want 0, nil", n, err)
	}
}
