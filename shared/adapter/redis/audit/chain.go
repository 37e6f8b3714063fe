package audit

// Verification is the result of walking one day's durable chain
// (s3audit.Trail.Verify): OK when every record from seq 1 on is present,
// hashes to the hash it carries, and carries the hash of the one before.
type Verification struct {
	Day      string  `json:"day"` // YYYY-MM-DD, UTC
	OK       bool    `json:"ok"`
	Records  int     `json:"records"`
	LastSeq  int64   `json:"lastSeq"`
	LastHash string  `json:"lastHash,omitempty"`
	Breaks   []Break `json:"breaks,omitempty"` // the first MaxBreaks, in seq order
}

// MaxBreaks bounds Verification.Breaks.
const MaxBreaks = 100

// Break is one place where a chain does not hold.
type Break struct {
	Seq      int64  `json:"seq"`
	Key      string `json:"key,omitempty"`
	Reason   string `json:"reason"`             // e.g. "hash mismatch: the record was altered"
	Expected string `json:"expected,omitempty"` // what the chain requires there
	Actual   string `json:"actual,omitempty"`   // what was found
}
