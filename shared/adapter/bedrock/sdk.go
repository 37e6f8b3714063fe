package bedrock

import (
	"context"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/schemas"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/restjson1"
)

// callOptions adjusts the SDK client for one call of this package. Each
// line works around something found while testing against bedrockruntime
// v1.63.13 (smithy-go v1.28.9) with the stand-in:
//
//   - The SDK's retryer is off: this package retries itself, with its own
//     limits and injectable sleeps, and must never replay a stream.
//   - The call gets a protocol instance of its own. The client's single
//     restjson1.Protocol holds the event-stream decoder state (a shared
//     payload buffer), so two streams read at once on one client race and
//     can corrupt each other's events (TestConcurrentStreams under -race).
//   - The request body hides io.WriterTo; see hideWriterTo.
func callOptions(o *bedrockruntime.Options) {
	o.Retryer = aws.NopRetryer{}
	o.Protocol = restjson1.New(schemas.AmazonBedrockFrontendService)
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Build.Add(hideWriterTo{}, middleware.After)
	})
}

// hideWriterTo gives the HTTP transport a request body without an
// io.WriterTo method.
//
// The SDK closes the request body as soon as the response headers arrive.
// net/http, after writing Content-Length bytes, copies what is left of the
// body to io.Discard to check that nothing is; that copy goes through the
// SDK body wrapper's WriteTo, which returns io.EOF once the body is closed,
// and net/http takes the io.EOF as a write failure and closes the
// connection — under a response that is still streaming ("use of closed
// network connection" in the middle of ConverseStream, about one call in a
// hundred against a local server). Through Read, the same closed body gives
// a clean end of file.
type hideWriterTo struct{}

func (hideWriterTo) ID() string { return "ResyncHideRequestBodyWriterTo" }

func (hideWriterTo) HandleBuild(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
	if req, ok := in.Request.(*smithyhttp.Request); ok {
		if rs, ok := req.GetStream().(io.ReadSeeker); ok {
			if _, hasWriteTo := rs.(io.WriterTo); hasWriteTo {
				clone, err := req.SetStream(readSeeker{rs})
				if err != nil {
					return middleware.BuildOutput{}, middleware.Metadata{}, err
				}
				in.Request = clone
			}
		}
	}
	return next.HandleBuild(ctx, in)
}

// readSeeker exposes only Read and Seek.
type readSeeker struct{ rs io.ReadSeeker }

func (r readSeeker) Read(p []byte) (int, error)                { return r.rs.Read(p) }
func (r readSeeker) Seek(off int64, whence int) (int64, error) { return r.rs.Seek(off, whence) }
