package docs

import (
	"context"
	"hash/fnv"
	"math"
	"strings"
	"unicode"
)

// Hashing is the offline embedder used when no embedding model is
// configured. It is lexical, not semantic: each text becomes a bag of
// lower-cased word unigrams and bigrams, each feature is hashed (FNV-1a) into
// one of Dims buckets with a hash-derived sign, counts are damped (1+ln tf),
// and the vector is L2-normalised so cosine similarity is a dot product.
// Texts that share words and word pairs score high; synonyms and paraphrases
// do not. Queries must be embedded with the same Dims. It is deterministic,
// needs no network, and is safe for concurrent use.
type Hashing struct {
	Dims int // default 1024
}

// Dimensions returns the vector length.
func (h Hashing) Dimensions() int {
	if h.Dims <= 0 {
		return 1024
	}
	return h.Dims
}

// Embed returns one unit vector per text (the zero vector for a text with
// no words). It never fails; the error is for the Embedder interface.
func (h Hashing) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	dims := h.Dimensions()
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i] = h.vector(t, dims)
	}
	return out, nil
}

func (h Hashing) vector(text string, dims int) []float32 {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	})
	counts := map[string]int{}
	for i, w := range words {
		counts[w]++
		if i > 0 {
			counts[words[i-1]+" "+w]++
		}
	}
	acc := make([]float64, dims)
	for f, n := range counts {
		hs := fnv.New64a()
		_, _ = hs.Write([]byte(f))
		sum := hs.Sum64()
		weight := 1 + math.Log(float64(n))
		if sum>>63 == 1 {
			weight = -weight
		}
		acc[int(sum%uint64(dims))] += weight
	}
	var norm float64
	for _, v := range acc {
		norm += v * v
	}
	vec := make([]float32, dims)
	if norm == 0 {
		return vec
	}
	norm = math.Sqrt(norm)
	for i, v := range acc {
		vec[i] = float32(v / norm)
	}
	return vec
}
