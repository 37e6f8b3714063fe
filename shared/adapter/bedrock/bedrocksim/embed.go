package bedrocksim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strings"
	"unicode"
)

// invoke answers POST /model/{modelId}/invoke for Titan Text Embeddings
// (model ids beginning amazon.titan-embed-text): the body is
// {"inputText", "dimensions", "normalize"} and the answer
// {"embedding", "inputTextTokenCount"}. The vector is deterministic: each
// word of the text is hashed to a dimension and a sign (feature hashing),
// so texts sharing words are close, as with a real embedding; a text
// without words hashes as a whole.
func (s *Server) invoke(w http.ResponseWriter, r *http.Request) {
	model := r.PathValue("modelId")
	if !strings.HasPrefix(model, "amazon.titan-embed-text") {
		writeFault(w, Fault{http.StatusBadRequest, "ValidationException", "bedrocksim: InvokeModel is only simulated for amazon.titan-embed-text models, not " + model})
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeFault(w, Fault{http.StatusBadRequest, "ValidationException", "bedrocksim: read body: " + err.Error()})
		return
	}
	var req EmbedRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeFault(w, Fault{http.StatusBadRequest, "ValidationException", "bedrocksim: malformed request: " + err.Error()})
		return
	}
	req.ModelID = model
	s.mu.Lock()
	s.embeds = append(s.embeds, req)
	s.mu.Unlock()

	dims := req.Dimensions
	if dims == 0 {
		dims = 1024
	}
	switch {
	case dims != 256 && dims != 512 && dims != 1024:
		writeFault(w, Fault{http.StatusBadRequest, "ValidationException", "Malformed input request: dimensions must be 256, 512 or 1024"})
		return
	case strings.TrimSpace(req.InputText) == "":
		writeFault(w, Fault{http.StatusBadRequest, "ValidationException", "Malformed input request: inputText must not be blank"})
		return
	}
	normalize := req.Normalize == nil || *req.Normalize
	vec := Embedding(req.InputText, dims, normalize)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"embedding":           vec,
		"embeddingsByType":    map[string]any{"float": vec},
		"inputTextTokenCount": max(1, len(tokens(req.InputText))),
	})
}

// Embedding returns the vector the stand-in answers for text: the same
// text always gives the same vector.
func Embedding(text string, dims int, normalize bool) []float32 {
	vec := make([]float64, dims)
	words := tokens(text)
	if len(words) == 0 {
		words = []string{text}
	}
	for _, w := range words {
		h := sha256.Sum256([]byte(w))
		i := binary.BigEndian.Uint32(h[0:4]) % uint32(dims)
		sign := 1.0
		if h[4]&1 == 1 {
			sign = -1
		}
		vec[i] += sign
		// A second, weaker feature keeps short texts from being too sparse.
		j := binary.BigEndian.Uint32(h[5:9]) % uint32(dims)
		vec[j] += sign * 0.5
	}
	var norm float64
	for _, v := range vec {
		norm += v * v
	}
	norm = math.Sqrt(norm)
	out := make([]float32, dims)
	for i, v := range vec {
		if normalize && norm > 0 {
			v /= norm
		}
		out[i] = float32(v)
	}
	return out
}

// tokens splits text into lower-case words of letters and digits
// (underscores kept, so job names stay whole).
func tokens(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	})
}
