package prodenv

import "testing"

// Boot is the boot test every function runs: build fn with exactly the prod
// template's variables, with every dependency up and with Neo4j down at cold
// start (a graph outage costs the graph features, not the function), and
// close what it built. readsHWA says whether fn must have read the HWA
// secret to boot.
func Boot(t *testing.T, fn string, readsHWA bool, build func(getenv func(string) string) (close func(), err error)) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"all dependencies up", Options{}},
		{"Neo4j down at cold start", Options{Neo4jDown: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Start(t, tc.opts)
			closeFn, err := build(p.Env(t, fn))
			if err != nil {
				t.Fatalf("%s does not boot with the prod template's environment: %v", fn, err)
			}
			closeFn()
			if readsHWA && p.Secrets.Reads(HWASecretARN) == 0 {
				t.Errorf("%s booted without reading the HWA secret", fn)
			}
			if n := p.Secrets.Reads(RedisAuthARN); n != 1 {
				t.Errorf("%s read the Redis AUTH secret %d times at boot, want once", fn, n)
			}
		})
	}
}
